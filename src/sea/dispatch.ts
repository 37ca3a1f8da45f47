// Which entry the single-file executable runs: the name it was run by (a symlink or a copy named
// walship-archive, barman …), else its first argument (`walship walship-archive ARGS`, which is how
// the sh fast paths and walship's own worker spawns call it). Pure, so it is unit-tested.

import { basename } from 'node:path';
import { ARCHIVE, RESTORE, SAFE_DIR, SERVER, type Executable } from '../cli/executables.js';
import type { WorkerEntry } from '../cli/entry-spawn.js';

export type CommandEntry = 'archive' | 'restore' | 'server' | 'safe-dir';
export type Entry = CommandEntry | WorkerEntry;

const COMMANDS: ReadonlyArray<readonly [Executable, CommandEntry]> = [
  [ARCHIVE, 'archive'],
  [RESTORE, 'restore'],
  [SERVER, 'server'],
  [SAFE_DIR, 'safe-dir'],
];

/** Every name a user may run the binary by: each command and its Barman alias. */
export const COMMAND_NAMES: ReadonlyMap<string, CommandEntry> = new Map(
  COMMANDS.flatMap(([executable, entry]) => [executable.name, ...executable.aliases].map((name) => [name, entry] as const)),
);

/** Worker entries, started by walship itself (src/cli/entry-spawn.ts), never by users. */
const WORKERS: readonly WorkerEntry[] = ['archive-agent', 'restore-agent', 'prefetch-main'];

export type Dispatch =
  /** argv: what the entry reads as process.argv: [binary, name as run, ...its arguments]. */
  | { kind: 'entry'; entry: Entry; argv: string[] }
  | { kind: 'help' | 'version' }
  | { kind: 'unknown'; name: string | undefined };

const entryOf = (name: string): Entry | undefined =>
  COMMAND_NAMES.get(name) ?? WORKERS.find((worker) => worker === name);

/**
 * process.argv of a single-file executable is [binary, argv[0] as run, ...arguments]. The entry
 * sees the name it was run by at argv[1], as with `node bin/walship-archive`, so help, usage and
 * version lines name the alias the user typed.
 */
export function dispatch(argv: readonly string[]): Dispatch {
  const [binary = '', runAs = '', ...rest] = argv;
  const byName = entryOf(basename(runAs));
  if (byName !== undefined) return { kind: 'entry', entry: byName, argv: [binary, runAs, ...rest] };
  const [first, ...args] = rest;
  if (first === undefined || first === '-h' || first === '--help') return { kind: 'help' };
  if (first === '-V' || first === '--version') return { kind: 'version' };
  const byArgument = entryOf(basename(first));
  if (byArgument === undefined) return { kind: 'unknown', name: first };
  return { kind: 'entry', entry: byArgument, argv: [binary, first, ...args] };
}
