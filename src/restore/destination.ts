// WAL_DEST (PostgreSQL's %p, usually pg_wal/RECOVERYXLOG): checked before anything is fetched, and
// written only by rename, so PostgreSQL never finds a half-written file there.

import { constants } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { discardTemp, publishReplacing, type TempFile } from '../durable/durable-write.js';
import { DestinationUnusableError, errnoCode } from '../errors.js';

/** Refuses a directory, a missing parent directory or one we cannot write into. */
export async function checkDestination(walDest: string): Promise<void> {
  const existing = await lstat(walDest).catch(() => undefined);
  if (existing?.isDirectory()) throw new DestinationUnusableError(`WAL_DEST cannot be a directory: ${walDest}`);
  const dir = dirname(walDest);
  const parent = await stat(dir).catch(() => undefined);
  if (!parent?.isDirectory()) throw new DestinationUnusableError(`the directory of WAL_DEST ${walDest} does not exist`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new DestinationUnusableError(`cannot write into ${dir} (WAL_DEST ${walDest}): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Moves a verified temp file (beside WAL_DEST, or claimed from the spool) onto WAL_DEST. A rename when
 * both are on one filesystem; otherwise publishReplacing copies to a temp name beside WAL_DEST first.
 * On failure the temp file is removed too: nothing half-delivered is left behind.
 */
export async function deliver(temp: TempFile, walDest: string): Promise<void> {
  try {
    await publishReplacing({ ...temp, finalPath: walDest });
  } catch (error) {
    await discardTemp(temp);
    throw asDestinationError(error, walDest);
  }
}

const asDestinationError = (error: unknown, walDest: string): unknown =>
  errnoCode(error) === undefined ? error : new DestinationUnusableError(`cannot deliver ${walDest}: ${(error as Error).message}`, { cause: error });
