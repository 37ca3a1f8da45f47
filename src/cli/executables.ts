// walship's executables and the Barman names installed beside them (SPEC §1), for usage, help,
// HINT and version lines: each speaks under the name it was run by.

import type { CommandIO } from './io.js';

export interface Executable {
  name: string;
  /** Names of bin/ shims that run the same program (barman-cli's and Barman's). */
  aliases: readonly string[];
  description: string;
}

export const ARCHIVE: Executable = {
  name: 'walship-archive',
  aliases: ['barman-wal-archive'],
  description: "archive_command: ship one WAL file to Barman's put-wal over ssh",
};

export const RESTORE: Executable = {
  name: 'walship-restore',
  aliases: ['barman-wal-restore'],
  description: "restore_command: fetch one WAL file from Barman's get-wal over ssh, prefetching the next ones",
};

export const SERVER: Executable = {
  name: 'walship-server',
  aliases: ['barman'],
  description: "the archive host's side: Barman's put-wal and get-wal (run over ssh by the clients)",
};

export const SAFE_DIR: Executable = {
  name: 'walship-safe-dir',
  aliases: [],
  description: 'PostgreSQL 9.2/9.3 WAL safe dir: archive_command succeeds once Barman has marked the segment safe',
};

/** The alias the user typed when it is one of ours; the walship name otherwise (in-process, tests). */
export const nameAsRun = (executable: Executable, io: Pick<CommandIO, 'invokedAs'>): string =>
  io.invokedAs !== undefined && executable.aliases.includes(io.invokedAs) ? io.invokedAs : executable.name;
