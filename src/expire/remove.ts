// Removes the planned files in order. Each directory is fsynced before removal moves on to the next
// one, so even after a power loss (not only a kill) the removals that survive are a prefix of the
// order; an emptied hash directory is removed last. A file already gone (a concurrent expire, a
// DBA) is skipped, never an error.

import { fsyncSync, openSync, closeSync, rmdirSync, statSync, unlinkSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode } from '../errors.js';
import type { StoredFile } from '../store/inventory.js';
import type { ExpireLog } from './log.js';

export interface RemovalResult {
  removed: number;
  bytes: number;
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Synchronous: nothing else runs in this process, and each unlink must be logged before the next. */
export function removeInOrder(files: readonly StoredFile[], log: ExpireLog, hashDirs: ReadonlySet<string>): RemovalResult {
  const result: RemovalResult = { removed: 0, bytes: 0 };
  let currentDir: string | undefined;
  const touched = new Set<string>();
  for (const file of files) {
    const dir = dirname(file.path);
    if (currentDir !== undefined && dir !== currentDir) fsyncDirectory(currentDir);
    currentDir = dir;
    touched.add(dir);
    const size = statSync(file.path, { throwIfNoEntry: false })?.size ?? 0;
    try {
      unlinkSync(file.path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') continue;
      throw error;
    }
    log.line(`removed ${file.path}`);
    result.removed++;
    result.bytes += size;
  }
  if (currentDir !== undefined) fsyncDirectory(currentDir);
  for (const dir of touched) {
    if (!hashDirs.has(dir)) continue;
    try {
      rmdirSync(dir);
      fsyncDirectory(dirname(dir));
    } catch (error) {
      // Still holds files (segments from the cut on): expected, it stays.
      if (errnoCode(error) !== 'ENOTEMPTY' && errnoCode(error) !== 'EEXIST' && errnoCode(error) !== 'ENOENT') throw error;
    }
  }
  return result;
}
