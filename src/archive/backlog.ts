// Backlog batching for walship-archive --batch: the segments PostgreSQL has marked ready after the
// one it asked for ride along in the same put-wal stream (SPEC §4: Barman accepts several per
// call). The records of what a batch shipped live in shipped-records.ts.

import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { compareWalNames, parseWalName, type WalName } from '../wal/name.js';

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
