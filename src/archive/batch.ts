// walship-archive --batch N: before shipping WAL_PATH, answer from a record of an earlier batch;
// otherwise ship WAL_PATH plus up to N-1 ready segments in one put-wal stream and record the extras.
// Batching is a shortcut only: whenever it cannot work (a records directory that cannot be made or
// is not safe to use, a record that does not match or cannot be trusted) walship falls back to
// shipping the one file PostgreSQL asked for, with a WARNING. To an s3:// target the stream goes
// through the object-store transport to put-wal against the bucket (serve-put.ts), so nothing here
// is ssh's: the backlog, the records and the acknowledgement rule are the same.

import { basename } from 'node:path';
import { openPrivateDir } from '../durable/private-dir.js';
import { walshipStateDir } from '../durable/walship-home.js';
import { archiveHostNamespace, shortHash } from '../transport/namespace.js';
import { requireWalName } from '../wal/name.js';
import { archiveWal, type ArchiveRequest, type SentWal } from './archive.js';
import { readyBacklog } from './backlog.js';
import { alreadyShipped, pruneShippedRecords, writeShippedRecord } from './shipped-records.js';

export interface BatchOptions {
  /** Most segments per put-wal call, WAL_PATH included. */
  max: number;
  /**
   * Base directory for the records (namespaced by user, host, port, config and server inside);
   * undefined: ~/.walship/batch (see walship-home.ts).
   */
  dir: string | undefined;
  user: string;
  host: string;
  port: number | undefined;
  /**
   * An s3:// target's resolved endpoint URL: part of the namespace, so a record that the store at one
   * endpoint has a segment is never taken for another store holding the same bucket and prefix.
   */
  endpoint?: string | undefined;
  warn: (line: string) => void;
}

export type BatchOutcome = { shipped: SentWal[] } | { alreadyShipped: true };

export async function archiveWithBacklog(request: ArchiveRequest, batch: BatchOptions): Promise<BatchOutcome> {
  const wal = requireWalName(basename(request.walPath), 'WAL file name (basename of WAL_PATH)');
  const records = await openRecords(request, batch);
  if (!records) return { shipped: await archiveWal(request) };
  await pruneShippedRecords(records.dir, wal);
  if (await alreadyShipped(records.dir, request.walPath, batch.warn)) return { alreadyShipped: true };
  const extraPaths = await readyBacklog(request.walPath, wal, batch.max - 1);
  const shipped = await archiveWal({ ...request, extraPaths, ownSha256: true });
  for (const extra of shipped.slice(1)) {
    // Only after the archive host's 0: a record claims "the archive host has these bytes".
    await writeShippedRecord(records.dir, extra.name, { sha256: extra.sha256 as string, size: extra.size }).catch((error: unknown) => {
      batch.warn(`WARNING: could not record ${extra.name} as shipped (${(error as Error).message}); it will be sent again`);
    });
  }
  return { shipped };
}

/** The records directory, or undefined (with a WARNING) when it must not be used: then no batching. */
async function openRecords(request: ArchiveRequest, batch: BatchOptions): Promise<{ dir: string } | undefined> {
  const barmanHost = batch.endpoint === undefined ? batch.host : `${batch.host}+${shortHash(batch.endpoint)}`;
  const namespace = archiveHostNamespace({ user: batch.user, barmanHost, port: batch.port, config: request.configPath, serverName: request.server });
  try {
    return await openPrivateDir(batch.dir ?? walshipStateDir('batch'), namespace);
  } catch (error) {
    batch.warn(`WARNING: batching disabled for this call: ${(error as Error).message}; shipping ${basename(request.walPath)} alone`);
    return undefined;
  }
}
