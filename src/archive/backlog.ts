// Backlog batching for walship-archive --batch: the segments PostgreSQL has marked ready after the
// one it asked for ride along in the same put-wal stream (SPEC §4: Barman accepts several per
// call), and a durable record per extra segment lets PostgreSQL's later call for it return at once.

import { readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileDurably } from '../durable/durable-write.js';
import { errnoCode } from '../errors.js';
import { compareWalNames, parseWalName, type WalName } from '../wal/name.js';
import { hashFile } from '../wire/checksums.js';

/** What the archive host acknowledged for one extra segment: the SHA-256 and size of its WAL bytes. */
export interface ShippedRecord {
  sha256: string;
  size: number;
}

const RECORD_SUFFIX = '.shipped';

/**
 * Segments after `wal` on its timeline that PostgreSQL has marked `.ready` in
 * `<dir of WAL_PATH>/archive_status`, oldest first, at most `max`. PostgreSQL never changes a
 * segment once it is ready, and every byte sent is hashed and recorded anyway.
 */
export async function readyBacklog(walPath: string, wal: WalName, max: number): Promise<string[]> {
  if (max <= 0 || wal.kind !== 'segment') return [];
  const entries = await readdir(join(dirname(walPath), 'archive_status')).catch(() => [] as string[]);
  return entries
    .filter((entry) => entry.endsWith('.ready'))
    .map((entry) => parseWalName(entry.slice(0, -'.ready'.length)))
    .filter((w): w is WalName => w !== undefined && w.kind === 'segment' && w.timeline === wal.timeline && compareWalNames(w, wal) > 0)
    .sort(compareWalNames)
    .slice(0, max)
    .map((w) => join(dirname(walPath), w.name));
}

export async function writeShippedRecord(dir: string, name: string, record: ShippedRecord): Promise<void> {
  await writeFileDurably(join(dir, `${name}${RECORD_SUFFIX}`), Buffer.from(`${record.sha256} ${record.size}\n`));
}

export async function readShippedRecord(dir: string, name: string): Promise<ShippedRecord | undefined> {
  const text = await readFile(join(dir, `${name}${RECORD_SUFFIX}`), 'utf8').catch(() => undefined);
  const match = text === undefined ? null : /^([0-9a-f]{64}) (\d+)\n$/.exec(text);
  return match ? { sha256: match[1] as string, size: Number(match[2]) } : undefined;
}

/**
 * True when an earlier batch already delivered exactly these bytes of WAL_PATH: the archive host
 * acknowledged a stream holding them. A missing record or any difference means "ship it now".
 */
export async function alreadyShipped(dir: string, walPath: string): Promise<boolean> {
  const record = await readShippedRecord(dir, basename(walPath));
  if (!record) return false;
  const now = await hashFile(walPath, 'sha256');
  return now.hex === record.sha256 && now.size === record.size;
}

/**
 * Drops records of segments before `wal` on its timeline (PostgreSQL archives in order, so it has
 * asked for them already) and of other timelines. Records are only a shortcut: losing one means
 * the segment is shipped again, which the archive host answers as an identical duplicate.
 */
export async function pruneShippedRecords(dir: string, wal: WalName): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (!entry.endsWith(RECORD_SUFFIX)) continue;
    const recorded = parseWalName(entry.slice(0, -RECORD_SUFFIX.length));
    if (recorded && recorded.timeline === wal.timeline && compareWalNames(recorded, wal) >= 0) continue;
    await unlink(join(dir, entry)).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
  }
}
