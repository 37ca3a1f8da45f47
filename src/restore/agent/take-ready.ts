// How a Node call takes a segment the agent left in ready/: claim it by rename into tmp/ (one of
// several claimers wins, and nobody can swap the file afterwards), check the claimed file on its
// open descriptor, then rename it onto %p. Anything that fails a check is removed with a WARNING
// (issue 9: a corrupt or foreign spool file is never trusted) and the call fetches directly.

import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { deliver } from '../destination.js';
import { join } from 'node:path';
import { READY_DIR, TMP_DIR } from '../../agent/layout.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import { tempPathFor } from '../../durable/durable-write.js';
import { errnoCode } from '../../errors.js';
import type { WalName } from '../../wal/name.js';
import { checkHeldSegment, type HeldCheck } from './held-segment.js';

async function checkClaimed(path: string, wal: WalName, sysid: bigint | undefined): Promise<HeldCheck> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, reason: errnoCode(error) === 'ELOOP' ? 'a symbolic link' : `cannot be opened: ${(error as Error).message}` };
  }
  try {
    return await checkHeldSegment(handle, wal, { sysid });
  } finally {
    await handle.close();
  }
}

/** true once ready/<name> is on `dest`; false when there is none or it failed a check (removed). */
export async function takeReady(slot: Slot, wal: WalName, dest: string, sysid: bigint | undefined, warn: (line: string) => void): Promise<boolean> {
  const claimed = tempPathFor(join(slotDirPath(slot, TMP_DIR), wal.name), 'claimed');
  try {
    await rename(join(slotDirPath(slot, READY_DIR), wal.name), claimed);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
  const check = await checkClaimed(claimed, wal, sysid);
  if (check.ok) {
    // A rename within pg_wal; a copy + rename when .walship is another filesystem (a mount there).
    await deliver({ path: claimed, finalPath: dest, size: check.size }, dest);
    return true;
  }
  warn(`WARNING: async restore: discarded ${READY_DIR}/${wal.name}: ${check.reason}; fetching it from the archive`);
  await unlink(claimed).catch(() => undefined);
  return false;
}
