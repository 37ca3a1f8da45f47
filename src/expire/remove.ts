// Removes the planned files in order. Each directory is fsynced before removal moves on to the next
// one, so even after a power loss (not only a kill) the removals that survive are a prefix of the
// order; emptied hash directories are removed last. A file already gone (a concurrent expire, a
// DBA) is skipped, never an error.

import { closeSync, constants, fsyncSync, openSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { StoredFile } from '../store/inventory.js';
import type { ExpireLog } from './log.js';

/** Upper case only: the hash directories Barman and walship create (a name's first 16 characters). */
const HASH_DIR_RE = /^[0-9A-F]{16}$/;

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
export function removeInOrder(files: readonly StoredFile[], log: ExpireLog): RemovalResult {
  const result: RemovalResult = { removed: 0, bytes: 0 };
  let currentDir: string | undefined;
  for (const file of files) {
    const dir = dirname(file.path);
    if (currentDir !== undefined && dir !== currentDir) fsyncDirectory(currentDir);
    currentDir = dir;
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
  return result;
}

/**
 * Removes the hash directories of wals/ that hold only segments before the cut, once empty: those
 * this run emptied and those a killed run emptied before it could remove them.
 */
export function removeEmptyHashDirs(walsDirectory: string, cutName: string): void {
  const hashOfCut = cutName.slice(0, 16);
  let entries;
  try {
    entries = readdirSync(walsDirectory, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return; // walship alone: everything is in incoming/
    throw error;
  }
  const dirs = entries.filter((entry) => entry.isDirectory() && HASH_DIR_RE.test(entry.name) && entry.name < hashOfCut);
  for (const { name } of dirs) {
    const dir = join(walsDirectory, name);
    try {
      rmdirSync(dir);
      fsyncDirectory(dirname(dir));
    } catch (error) {
      // Still holds files (segments from the cut on): expected, it stays.
      if (errnoCode(error) !== 'ENOTEMPTY' && errnoCode(error) !== 'EEXIST' && errnoCode(error) !== 'ENOENT') throw error;
    }
  }
}
