// The safe dir itself: where it is, whether it may be trusted, and what its entries mean.

import { lstat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { errnoCode, SafeDirUnusableError } from '../errors.js';
import { isTempName } from '../durable/durable-write.js';
import { quoteShellWord } from '../transport/quote.js';
import { parseWalName, type WalName } from '../wal/name.js';

/** The hand-written recipe's location, kept so that an existing setup switches without moving files. */
export const DEFAULT_SAFE_DIR = '~/.wal_safe_dir';

/**
 * Barman's marker: `<name>.done`, the name the hand-written `touch` hook used, so either half of
 * the old recipe keeps working against walship's other half during a migration.
 */
export const MARKER_SUFFIX = '.done';
/** What check renames a marker to when it answers "archived": see check.ts for why it is kept. */
export const TAKEN_SUFFIX = '.archived';

export const markerPath = (dir: string, wal: string): string => join(dir, `${wal}${MARKER_SUFFIX}`);
export const takenPath = (dir: string, wal: string): string => join(dir, `${wal}${TAKEN_SUFFIX}`);

/**
 * Expands a leading `~/` against the running user's home. The point: `notify --dir '~/x'` sends the
 * literal text and the PostgreSQL host's `mark` expands it for the PostgreSQL user, whereas a shell
 * on the Barman host would have expanded it to barman's home. Relative paths resolve against cwd
 * (archive_command runs in the data directory).
 */
export function resolveSafeDir(dir: string | undefined, home: string): string {
  const text = dir ?? DEFAULT_SAFE_DIR;
  if (text === '~') return home;
  if (text.startsWith('~/')) return join(home, text.slice(2));
  return isAbsolute(text) ? text : resolve(text);
}

/**
 * HINTs print command lines a user pastes into a shell: DIR goes through the project's one quoting
 * function, so a path with spaces, quotes or `$(…)` is one argument and runs nothing (issue 8).
 */
const HINT = (dir: string): string =>
  `create it as the PostgreSQL user's private directory: install -d -m 0700 -o postgres -g postgres ${quoteShellWord(dir)}`;

/**
 * Refuses a safe dir anyone but its owner could write into: whoever can create `<name>.done`
 * there can make PostgreSQL drop WAL that was never archived. lstat, so a symlink is refused
 * rather than followed to a directory someone else controls.
 */
export async function requireSafeDir(dir: string, uid: number): Promise<void> {
  let stats;
  try {
    stats = await lstat(dir);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') throw new SafeDirUnusableError(`safe dir ${dir} does not exist`, { hint: HINT(dir), cause: error });
    throw new SafeDirUnusableError(`cannot inspect safe dir ${dir}: ${code ?? String(error)}`, { cause: error });
  }
  if (stats.isSymbolicLink()) throw new SafeDirUnusableError(`safe dir ${dir} is a symbolic link`, { hint: `use the real directory path; ${HINT(dir)}` });
  if (!stats.isDirectory()) throw new SafeDirUnusableError(`safe dir ${dir} is not a directory`, { hint: HINT(dir) });
  if (stats.uid !== uid) {
    throw new SafeDirUnusableError(`safe dir ${dir} is owned by uid ${stats.uid}, not by the running user (uid ${uid})`, { hint: HINT(dir) });
  }
  const mode = stats.mode & 0o7777;
  if (mode !== 0o700) {
    throw new SafeDirUnusableError(`safe dir ${dir} has mode ${mode.toString(8).padStart(4, '0')}, not 0700`, { hint: `chmod 0700 ${quoteShellWord(dir)}` });
  }
}

export type SafeDirEntry =
  | { kind: 'marker' | 'taken'; wal: WalName; entry: string }
  | { kind: 'temp'; entry: string }
  | { kind: 'unknown'; entry: string };

/** What a file in the safe dir is: a marker, a taken marker, a durable-write temp file, or foreign. */
export function classifyEntry(entry: string): SafeDirEntry {
  if (isTempName(entry)) return { kind: 'temp', entry };
  for (const [suffix, kind] of [[MARKER_SUFFIX, 'marker'], [TAKEN_SUFFIX, 'taken']] as const) {
    if (!entry.endsWith(suffix)) continue;
    const wal = parseWalName(entry.slice(0, -suffix.length));
    if (wal) return { kind, wal, entry };
  }
  return { kind: 'unknown', entry };
}
