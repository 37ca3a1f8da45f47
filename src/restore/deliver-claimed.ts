// Delivers a segment claimed from the spool to WAL_DEST, making sure the bytes PostgreSQL gets are
// those of the inode claim.ts opened and checked, never of whatever sits under a name by then.
//
// A rename is kept as the fast path (no second write and fsync of 16 MiB), and then verified: if
// WAL_DEST is not the checked inode (dev/ino), it is removed and the checked bytes are copied from
// the open handle instead. When the rename cannot be done (another filesystem: EXDEV; the claimed
// name vanished after the open: ENOENT) the copy from the handle is the only path. Either way a
// file swapped in under the spool's names cannot reach WAL_DEST.

import { lstat, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { discardTemp, fsyncDir, writeTempFile } from '../durable/durable-write.js';
import { DestinationUnusableError, errnoCode } from '../errors.js';
import type { ClaimedFile } from './prefetch/claim.js';

/** Moves or copies the claimed file onto WAL_DEST; always closes its handle and clears its temp name. */
export async function deliverClaimed(file: ClaimedFile, walDest: string): Promise<void> {
  try {
    const renamed = await renameOnto(file, walDest);
    if (renamed === 'other-inode') await unlink(walDest);
    if (renamed !== 'checked-inode') await copyFromHandle(file, walDest);
    await fsyncDir(dirname(walDest));
  } catch (error) {
    throw errnoCode(error) === undefined ? error : new DestinationUnusableError(`cannot deliver ${walDest}: ${(error as Error).message}`, { cause: error });
  } finally {
    await file.handle.close().catch(() => undefined);
    // Still there after a copy (or a failure); after a rename the name is free and this is a no-op.
    await unlink(file.path).catch(() => undefined);
  }
}

type RenameOutcome = 'checked-inode' | 'other-inode' | 'not-renamed';

async function renameOnto(file: ClaimedFile, walDest: string): Promise<RenameOutcome> {
  try {
    await rename(file.path, walDest);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EXDEV' || code === 'ENOENT') return 'not-renamed';
    throw error;
  }
  const now = await lstat(walDest, { bigint: true });
  return now.dev === file.dev && now.ino === file.ino ? 'checked-inode' : 'other-inode';
}

/** The checked bytes, read from the open handle, to a temp file beside WAL_DEST, then renamed over it. */
async function copyFromHandle(file: ClaimedFile, walDest: string): Promise<void> {
  const copy = await writeTempFile(walDest, file.handle.createReadStream({ start: 0, autoClose: false }));
  await rename(copy.path, walDest).catch(async (error: unknown) => {
    await discardTemp(copy);
    throw error;
  });
}
