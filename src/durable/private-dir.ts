// Private directories for walship's own state on the PostgreSQL host (the restore spool, the archive
// --batch records). Another local account must not be able to plant, swap or read anything there,
// so a directory is used only when the path to it is trustworthy (issue 8, decision D1):
// - every existing ancestor (the path as given and as realpath resolves it) is owned by root or by
//   us, and carries the sticky bit when group or others may write it (like /tmp and /var/tmp);
// - the directory itself, every level walship creates above it and every namespace level below it
//   is a real directory (a symlink is never followed), owned by us, not writable by group or others.
// Levels are created one at a time with mkdir 0700, which never follows a symlink at the name.

import type { Stats } from 'node:fs';
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { errnoCode, UnsafeDirectoryError } from '../errors.js';

/** Our effective uid: files and directories walship trusts are owned by it (or by root, for ancestors). */
export function effectiveUid(): number {
  if (process.geteuid === undefined) throw new Error('walship needs POSIX user ids');
  return process.geteuid();
}

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

/**
 * Creates (if needed) and checks `base/namespace` level by level; throws UnsafeDirectoryError naming
 * the first level that breaks the rule, before anything is created below a refused ancestor.
 */
export async function openPrivateDir(base: string, namespace: string): Promise<{ dir: string }> {
  const root = resolve(base);
  const below = namespace.split('/').filter((part) => part !== '');
  if (below.some((part) => part === '.' || part === '..')) throw new Error(`namespace ${namespace} must not climb out of ${base}`);
  const missingAncestors = await checkAncestors(root);
  const levels = [...missingAncestors, root, ...below.map((_, i) => join(root, ...below.slice(0, i + 1)))];
  for (const level of levels) await makePrivateLevel(level);
  return { dir: levels.at(-1) as string };
}

/** Every prefix of an absolute path, shortest first: `/a/b` → `/`, `/a`, `/a/b`. */
const prefixes = (path: string): string[] =>
  path.split(sep).filter((part) => part !== '').reduce<string[]>((acc, part) => [...acc, join(acc.at(-1) ?? sep, part)], [sep]);

/**
 * Checks the existing ancestors of `dir` (not `dir` itself) and returns the missing ones, top-down:
 * walship creates those as private levels.
 */
async function checkAncestors(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const path of dir === sep ? [] : prefixes(dirname(dir))) {
    const info = missing.length > 0 ? undefined : await lstat(path).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw new UnsafeDirectoryError(path, `cannot be inspected: ${(error as Error).message}`, { cause: error });
    });
    if (info === undefined) {
      missing.push(path);
    } else if (info.isSymbolicLink()) {
      // Whoever owns the link can point it elsewhere later; where it points now must be trusted too.
      requireTrustedOwner(path, info, 'a symbolic link');
      const target = await realpath(path).catch((error: unknown) => {
        throw new UnsafeDirectoryError(path, `is a symbolic link that cannot be resolved: ${(error as Error).message}`, { cause: error });
      });
      for (const real of prefixes(target)) requireTrustedAncestor(real, await lstat(real));
    } else {
      requireTrustedAncestor(path, info);
    }
  }
  return missing;
}

function requireTrustedOwner(path: string, info: Stats, what: string): void {
  if (info.uid !== 0 && info.uid !== effectiveUid()) {
    throw new UnsafeDirectoryError(path, `is ${what} owned by uid ${info.uid}, neither root nor this user (uid ${effectiveUid()})`);
  }
}

/** An ancestor may be shared (like /var/tmp) only if the sticky bit stops others renaming our entries. */
function requireTrustedAncestor(path: string, info: Stats): void {
  if (!info.isDirectory()) throw new UnsafeDirectoryError(path, 'is not a directory');
  requireTrustedOwner(path, info, 'a directory');
  if ((info.mode & 0o022) !== 0 && (info.mode & 0o1000) === 0) {
    throw new UnsafeDirectoryError(path, `is writable by group or others without the sticky bit (mode ${octal(info.mode)}): anyone could rename or replace what is inside`);
  }
}

/** mkdir 0700 unless it exists, then: a real directory, ours, closed to group and others. */
async function makePrivateLevel(path: string): Promise<void> {
  try {
    await mkdir(path, { mode: 0o700 });
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw new UnsafeDirectoryError(path, `cannot be created: ${(error as Error).message}`, { cause: error });
  }
  const info = await lstat(path);
  if (info.isSymbolicLink()) throw new UnsafeDirectoryError(path, 'is a symbolic link (never followed)');
  if (!info.isDirectory()) throw new UnsafeDirectoryError(path, 'is not a directory');
  if (info.uid !== effectiveUid()) throw new UnsafeDirectoryError(path, `is owned by uid ${info.uid}, not by this user (uid ${effectiveUid()})`);
  if ((info.mode & 0o022) !== 0) throw new UnsafeDirectoryError(path, `is writable by group or others (mode ${octal(info.mode)}), not closed to others`);
}
