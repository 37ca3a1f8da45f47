// "Is there a file at this path?", asked one way everywhere: lstat by default (a symlink under a
// WAL or marker name was not written by us), and only a missing path counts as absent unless the
// caller says a failure to look is as good as absent.

import { lstat, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { errnoCode } from '../errors.js';

export interface LookOptions {
  /** stat (follow a final symlink) instead of lstat. */
  follow?: boolean;
  /** Treat any failure to look (EACCES, EIO, ENOTDIR) as absent: for probes whose "absent" branch is safe. */
  lenient?: boolean;
}

/** The path's stats, or undefined when nothing is there (ENOENT); other failures are thrown unless lenient. */
export async function statIfExists(path: string, options: LookOptions = {}): Promise<Stats | undefined> {
  try {
    return await (options.follow ? stat(path) : lstat(path));
  } catch (error) {
    if (options.lenient || errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

export const pathExists = async (path: string, options: LookOptions = {}): Promise<boolean> =>
  (await statIfExists(path, options)) !== undefined;

export const isRegularFile = async (path: string, options: LookOptions = {}): Promise<boolean> =>
  (await statIfExists(path, options))?.isFile() === true;
