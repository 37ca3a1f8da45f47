// The prefetch spool: one private directory per (ssh user, Barman host, port, config, server), so
// clusters restoring from different servers never see each other's segments. Only complete,
// verified segments ever carry a WAL name here; everything in flight has a temp name.

import { lstat, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempName, tempOwnerPid, tempPathFor, type TempFile } from '../durable/durable-write.js';
import { isProcessAlive } from '../durable/process-alive.js';
import { openPrivateDir } from '../durable/private-dir.js';
import { errnoCode } from '../errors.js';
import { archiveHostNamespace } from '../transport/namespace.js';
import { checkSegment, type SegmentHeader } from '../wal/header.js';
import { compareWalNames, parseWalName, type WalName } from '../wal/name.js';
import { readHead } from './fetch.js';

export interface Spool {
  /** The namespace directory, mode 0700, owned by us. */
  readonly dir: string;
}

export type { ArchiveHostKey as SpoolKey } from '../transport/namespace.js';

/** Creates (if needed) and checks the namespace directory: see openPrivateDir. */
export const openSpool = async (spoolDir: string, namespace: string): Promise<Spool> => openPrivateDir(spoolDir, namespace);

/** e.g. `barman@backup.example_22/pg` or, with -c, `barman@backup.example/pg+1a2b3c4d`. */
export const spoolNamespace = archiveHostNamespace;

/**
 * Takes the spooled copy of `wal` for ourselves by renaming it to a temp name (only one of several
 * concurrent restores can win), then checks it. A file that is not the complete segment its name
 * claims is deleted and reported, never delivered. Undefined when there is no usable copy.
 */
export async function claimSpooled(spool: Spool, wal: WalName, warn: (line: string) => void): Promise<{ temp: TempFile; header: SegmentHeader } | undefined> {
  if (wal.kind !== 'segment') return undefined;
  const finalPath = join(spool.dir, wal.name);
  const path = tempPathFor(finalPath, 'claimed');
  try {
    await rename(finalPath, path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const info = await lstat(path);
  const check = checkSegment(wal, await readHead(path), info.size);
  const reason = !check.ok ? check.reason : isStale(info.mtimeMs) ? 'spooled too long ago, maybe by an earlier recovery' : undefined;
  if (check.ok && reason === undefined) return { temp: { path, finalPath, size: info.size }, header: check.header };
  warn(`WARNING: discarded spooled ${wal.name}: ${reason}; fetching it again`);
  await unlink(path).catch(() => undefined);
  return undefined;
}

/**
 * A prefetched segment is consumed within seconds or minutes. One much older was left by an earlier
 * recovery, perhaps of another cluster archived under the same server name: same name, other bytes.
 */
export const SPOOL_MAX_AGE_MS = 30 * 60 * 1000;
const isStale = (mtimeMs: number): boolean => Date.now() - mtimeMs > SPOOL_MAX_AGE_MS;

/** Is a complete copy of `name` spooled? (Published names are only ever complete.) */
export const isSpooled = async (spool: Spool, name: string): Promise<boolean> =>
  (await lstat(join(spool.dir, name)).catch(() => undefined))?.isFile() === true;

const isOld = async (path: string): Promise<boolean> => {
  const info = await lstat(path).catch(() => undefined);
  return info !== undefined && isStale(info.mtimeMs);
};

/** Same timeline, at or before `requested`: PostgreSQL has moved past it. */
const isConsumed = (wal: WalName, requested: WalName): boolean => compareWalNames(wal, requested) <= 0;

/**
 * Removes what PostgreSQL can no longer ask for: segments up to and including `requested`, segments
 * of other timelines, segments left by an earlier recovery (SPOOL_MAX_AGE_MS), and temp files whose
 * writer is gone (a kill -9 mid-prefetch). Returns the names removed.
 */
export async function cleanupSpool(spool: Spool, requested: WalName): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(spool.dir)) {
    const wal = parseWalName(entry);
    const stale = wal
      ? wal.kind === 'segment' && (wal.timeline !== requested.timeline || isConsumed(wal, requested) || (await isOld(join(spool.dir, entry))))
      : isTempName(entry) && !isProcessAlive(tempOwnerPid(entry));
    if (!stale) continue;
    await unlink(join(spool.dir, entry)).catch(() => undefined);
    removed.push(entry);
  }
  return removed;
}

/**
 * How far a live writer has got with `name` in the spool (the prefetch worker's temp file), or
 * undefined when nobody is writing it. Claimed copies (being delivered by a restore) do not count.
 */
export async function inflightSize(spool: Spool, name: string): Promise<number | undefined> {
  let largest: number | undefined;
  for (const entry of await readdir(spool.dir)) {
    if (!entry.startsWith(`.${name}.`) || !isTempName(entry) || entry.includes('.claimed.')) continue;
    if (!isProcessAlive(tempOwnerPid(entry))) continue;
    const size = (await lstat(join(spool.dir, entry)).catch(() => undefined))?.size;
    if (size !== undefined) largest = Math.max(largest ?? 0, size);
  }
  return largest;
}
