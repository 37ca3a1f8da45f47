// What an agent removes when it exits (design §2.2): the restore spool and its in-flight markers,
// and its own temp files, so no segment of an abandoned recovery or timeline is left for a later
// call to find (issue 10: five segments stayed in the spool after a Patroni rewind).

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { isAbandonedTemp } from '../durable/temp-sweep.js';
import { tempOwnerPid } from '../durable/durable-write.js';
import { EXIT_PURGE_DIRS, TMP_DIR } from './layout.js';
import { emptySlotDir, slotDirPath, type Slot } from './slot.js';

/**
 * tmp/ is shared with the Node path (a synchronous ship stages its ack there), so only our own
 * temps and those of dead writers go; a live client's temp stays.
 */
async function purgeTmp(slot: Slot): Promise<string[]> {
  const dir = slotDirPath(slot, TMP_DIR);
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (tempOwnerPid(name) !== process.pid && !isAbandonedTemp(name)) continue;
    await unlink(join(dir, name)).then(() => removed.push(name), (error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
  }
  return removed;
}

/** Empties the role's exit directories; returns what was removed, as `<dir>/<name>`, for the log. */
export async function purgeSlotOnExit(slot: Slot): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of EXIT_PURGE_DIRS[slot.role]) {
    const names = dir === TMP_DIR ? await purgeTmp(slot) : await emptySlotDir(slot, dir);
    removed.push(...names.map((name) => `${dir}/${name}`));
  }
  return removed;
}
