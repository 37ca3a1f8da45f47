// The records of walship-archive --batch: one durable file per extra segment a batch shipped,
// `<name>.shipped` holding "<sha256> <size>", so PostgreSQL's later call for that segment can return
// at once. A record makes archive_command exit 0 without sending anything, so one is believed only
// when walship itself could have written it (issue 8, D1): read through one handle opened without
// following a symlink, a regular file of ours closed to others, well-formed. Anything else is
// reported, removed, and the segment is shipped as if there were no record.

import { readdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readFileHead } from '../codec/stored.js';
import { writeFileDurably } from '../durable/durable-write.js';
import { openOwnedFile } from '../durable/owned-file.js';
import { errnoCode } from '../errors.js';
import { compareWalNames, parseWalName, type WalName } from '../wal/name.js';
import { hashFile } from '../wire/checksums.js';

/** What the archive host acknowledged for one extra segment: the SHA-256 and size of its WAL bytes. */
export interface ShippedRecord {
  sha256: string;
  size: number;
}

const RECORD_SUFFIX = '.shipped';
/** "<64 hex> <size>\n" is under 80 bytes; a larger file is not a record. */
const RECORD_MAX = 128;

export async function writeShippedRecord(dir: string, name: string, record: ShippedRecord): Promise<void> {
  await writeFileDurably(join(dir, `${name}${RECORD_SUFFIX}`), Buffer.from(`${record.sha256} ${record.size}\n`));
}

/** The record for `name`; undefined when there is none or it cannot be trusted (then with a WARNING). */
export async function readShippedRecord(dir: string, name: string, warn: (line: string) => void): Promise<ShippedRecord | undefined> {
  const path = join(dir, `${name}${RECORD_SUFFIX}`);
  const opened = await openOwnedFile(path);
  if (opened.kind === 'missing') return undefined;
  let reason = opened.kind === 'refused' ? opened.reason : 'is not a record walship wrote (malformed)';
  if (opened.kind === 'opened') {
    try {
      const text = opened.info.size <= RECORD_MAX ? (await readFileHead(opened.handle, RECORD_MAX)).toString('latin1') : '';
      const match = /^([0-9a-f]{64}) (\d{1,15})\n$/.exec(text);
      if (match) return { sha256: match[1] as string, size: Number(match[2]) };
    } catch (error) {
      reason = `cannot be read: ${(error as Error).message}`;
    } finally {
      await opened.handle.close();
    }
  }
  warn(`WARNING: ignoring --batch record ${path}: it ${reason}; shipping ${name}`);
  // Ours to remove (the namespace directory is private), so a refused record warns once only.
  await unlink(path).catch(() => undefined);
  return undefined;
}

/**
 * True when an earlier batch already delivered exactly these bytes of WAL_PATH: the archive host
 * acknowledged a stream holding them. A missing or refused record, or any difference, means "ship it now".
 */
export async function alreadyShipped(dir: string, walPath: string, warn: (line: string) => void): Promise<boolean> {
  const record = await readShippedRecord(dir, basename(walPath), warn);
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
