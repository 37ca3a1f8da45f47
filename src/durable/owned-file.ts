// Opens a file walship itself wrote into one of its private directories (a spooled segment, a
// --batch record) so that what is checked is what is read: one open that never follows a symlink
// and never blocks on a FIFO, then type, owner and mode from fstat on that very handle. Checking a
// path and opening it afterwards would let someone swap the file in between.

import { constants, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { errnoCode } from '../errors.js';
import { effectiveUid } from './private-dir.js';

export type OwnedFile =
  | { kind: 'opened'; handle: FileHandle; info: BigIntStats }
  /** Nothing under that name (any more): not an error, the caller goes without it. */
  | { kind: 'missing' }
  /** Something walship did not write, or that others could have changed: never to be used. */
  | { kind: 'refused'; reason: string };

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Opens `path` read-only; the caller closes the handle of an 'opened' result. */
export async function openOwnedFile(path: string): Promise<OwnedFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, FLAGS);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    // O_NOFOLLOW: the name is a symbolic link.
    if (code === 'ELOOP') return { kind: 'refused', reason: 'is a symbolic link (never followed)' };
    return { kind: 'refused', reason: `cannot be opened: ${(error as Error).message}` };
  }
  try {
    const info = await handle.stat({ bigint: true });
    const reason = refusal(info);
    if (reason === undefined) return { kind: 'opened', handle, info };
    await handle.close();
    return { kind: 'refused', reason };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

function refusal(info: BigIntStats): string | undefined {
  if (!info.isFile()) return 'is not a regular file';
  if (info.uid !== BigInt(effectiveUid())) return `is owned by uid ${info.uid}, not by this user (uid ${effectiveUid()})`;
  if ((info.mode & 0o022n) !== 0n) return `is writable by group or others (mode 0${(info.mode & 0o7777n).toString(8)})`;
  return undefined;
}
