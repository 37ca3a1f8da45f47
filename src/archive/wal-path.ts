// Opening WAL_PATH (and --batch's extra segments) for walship-archive: once, without blocking, and
// only if the opened file is a regular file.

import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { errnoCode, LocalFileError } from '../errors.js';

/** A WAL file opened for sending: its handle, and the size and mtime its tar header carries. */
export interface OpenWal {
  name: string;
  path: string;
  handle: FileHandle;
  size: number;
  mtime: number;
  /** Which inode was read: --async acknowledges exactly this file (a hard link must match it). */
  dev: number;
  ino: number;
}

/**
 * Opened with O_NONBLOCK: open(2) of a FIFO with no writer blocks forever otherwise (issue 8), and
 * the type is then checked on the opened handle, so nothing can be swapped between check and read.
 * O_NONBLOCK changes nothing for a regular file's reads. Symlinks are followed (no O_NOFOLLOW):
 * PostgreSQL's %p names a regular file it made in pg_wal, a directory only it can write, so a link
 * there is the DBA's own (pg_wal itself is often one, from initdb -X), and what it points at must
 * still pass the regular-file check.
 */
export async function openWal(walPath: string): Promise<Omit<OpenWal, 'name' | 'path'>> {
  let handle: FileHandle;
  try {
    handle = await open(walPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new LocalFileError(`WAL_PATH ${walPath} ${openFailure(errnoCode(error), error)}`, { cause: error });
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new LocalFileError(`WAL_PATH ${walPath} is not a regular file (it is ${fileKind(info)})`);
  }
  return { handle, size: info.size, mtime: info.mtimeMs / 1000, dev: info.dev, ino: info.ino };
}

/** open(2) refuses a unix socket with ENXIO (and a device node without its device). */
const openFailure = (code: string | undefined, error: unknown): string =>
  code === 'ENOENT'
    ? 'does not exist'
    : code === 'EACCES'
      ? 'is not readable (permission denied)'
      : code === 'ENXIO'
        ? 'is not a regular file (a socket or a device with no driver)'
        : (error as Error).message;

const fileKind = (info: Stats): string =>
  info.isDirectory()
    ? 'a directory'
    : info.isFIFO()
      ? 'a FIFO'
      : info.isSocket()
        ? 'a socket'
        : info.isCharacterDevice()
          ? 'a character device'
          : info.isBlockDevice()
            ? 'a block device'
            : 'not a plain file';
