// The prefetch spool: one private directory per (ssh user, Barman host, port, config, server) and
// recovering data directory, so clusters restoring from different servers, and two members of one
// cluster on one host (same server, same system identifier), never see or claim each other's
// segments (issue 10). Only complete, verified segments ever carry a WAL name here; everything in
// flight has a temp name.

import type { Stats } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempName, tempOwnerPid } from '../../durable/durable-write.js';
import { isProcessAlive } from '../../durable/process-alive.js';
import { openPrivateDir } from '../../durable/private-dir.js';
import { archiveHostNamespace, shortHash, type ArchiveHostKey } from '../../transport/namespace.js';
import { compareWalNames, parseWalName, type WalName } from '../../wal/name.js';

export interface Spool {
  /** The namespace directory, mode 0700, owned by us. */
  readonly dir: string;
  /**
   * The recovering cluster's system identifier (SPEC §7): a segment of another cluster is neither
   * spooled nor claimed. Undefined when it is unknown (no readable pg_control): not checked then.
   */
  readonly systemIdentifier?: bigint | undefined;
}

/** Creates (if needed) and checks the namespace directory: see openPrivateDir. */
export const openSpool = async (spoolDir: string, namespace: string): Promise<Spool> => openPrivateDir(spoolDir, namespace);

/** The recovering cluster a spool belongs to: PostgreSQL's cwd and its global/pg_control. */
export interface SpoolCluster {
  systemIdentifier: bigint;
  /** The data directory's real path. */
  dataDir: string;
}

/**
 * The archive host's namespace (namespace.ts) plus the cluster: e.g.
 * `barman@backup%2Eexample_22/pg.7301234567890123456-1a2b3c4d`. The system identifier keeps a
 * re-initialised cluster at the same path apart, the data directory's hash two members of one
 * cluster (they share the identifier). A '.' never occurs in an encoded server name.
 */
export const spoolNamespace = (key: ArchiveHostKey, cluster: SpoolCluster): string =>
  `${archiveHostNamespace(key)}.${cluster.systemIdentifier}-${shortHash(cluster.dataDir)}`;

/**
 * The prefetch worker's own check of the namespace directory a restore handed it (`<base>/<namespace>`):
 * it may run long after that restore's check, so it applies the same rule again before writing there.
 */
export async function recheckSpool(dir: string, namespace: string): Promise<Spool> {
  const suffix = `/${namespace}`;
  if (!dir.endsWith(suffix)) throw new Error(`prefetch worker: ${dir} is not a spool directory for ${namespace}`);
  return openSpool(dir.slice(0, -suffix.length) || '/', namespace);
}

/**
 * A prefetched segment is consumed within seconds or minutes. One much older was left by an earlier
 * recovery, perhaps of another cluster archived under the same server name: same name, other bytes.
 */
export const SPOOL_MAX_AGE_MS = 30 * 60 * 1000;
export const isStale = (mtimeMs: number): boolean => Date.now() - mtimeMs > SPOOL_MAX_AGE_MS;

/** Same timeline and after `requested`: PostgreSQL may still ask for it. */
export const isAhead = (wal: WalName, requested: WalName): boolean =>
  wal.timeline === requested.timeline && compareWalNames(wal, requested) > 0;

/** The spool entry's lstat, or undefined once it is gone (a restore or the worker may remove it any time). */
const entryInfo = (spool: Spool, entry: string): Promise<Stats | undefined> => lstat(join(spool.dir, entry)).catch(() => undefined);

/** Is a complete copy of `name` spooled? (Published names are only ever complete.) */
export const isSpooled = async (spool: Spool, name: string): Promise<boolean> => (await entryInfo(spool, name))?.isFile() === true;

const isOld = async (spool: Spool, entry: string): Promise<boolean> => {
  const info = await entryInfo(spool, entry);
  return info !== undefined && isStale(info.mtimeMs);
};

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
      ? wal.kind === 'segment' && (!isAhead(wal, requested) || (await isOld(spool, entry)))
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
    const size = (await entryInfo(spool, entry))?.size;
    if (size !== undefined) largest = Math.max(largest ?? 0, size);
  }
  return largest;
}
