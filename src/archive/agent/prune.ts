// Forgetting what PostgreSQL no longer asks about (design §2 "Pruning", pgBackRest's ".ok without
// .ready is removed"): acks, wants and errors of files that are not .ready any more, and shipped/
// records once they are 64 .done files in the past.

import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import { ACK_DIR, ERROR_SUFFIX, SHIPPED_DIR, STATUS_DIR, WANT_DIR, type SlotDir } from '../../agent/layout.js';
import { listStatusNames } from '../../agent/status-file.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import type { ArchiveStatus } from './scan.js';
import { scanSlotNames } from './scan.js';

/** shipped/ records kept behind the newest .done: a re-armed agent may still meet those names. */
export const SHIPPED_KEEP = 64;

const remove = (path: string): Promise<void> =>
  unlink(path).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });

async function pruneDir(slot: Slot, dir: SlotDir, keep: (name: string) => boolean): Promise<void> {
  for (const name of await scanSlotNames(slot, dir)) if (!keep(name)) await remove(join(slotDirPath(slot, dir), name));
}

/** Not fsynced: a crash that brings an entry back only delays its removal to the next round. */
export async function pruneSlot(slot: Slot, status: ArchiveStatus): Promise<void> {
  const isReady = (name: string): boolean => status.ready.has(name);
  await pruneDir(slot, ACK_DIR, isReady);
  await pruneDir(slot, WANT_DIR, isReady);
  const recent = new Set(status.done.slice(-SHIPPED_KEEP));
  await pruneDir(slot, SHIPPED_DIR, (name) => isReady(name) || recent.has(name));
  for (const name of await listStatusNames(slot.dir)) {
    // A per-file error outlives nothing it was about. The global one (the archive host unreachable)
    // goes once nothing is waiting: lanes fail and succeed concurrently, and a lane that timed out
    // late can write it after another lane's success cleared it, with no later success to clear it.
    const stale = name === 'global' ? status.ready.size === 0 : !isReady(name);
    if (stale) await remove(join(slotDirPath(slot, STATUS_DIR), `${name}${ERROR_SUFFIX}`));
  }
}
