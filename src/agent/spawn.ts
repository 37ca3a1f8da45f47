// Starts an agent detached from the call that needs it: the archive_command or restore_command
// returns at once and the agent outlives it. Started from Node only, never from sh (design §2.2).

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { entryInvocation, type EntryInvocation, type WorkerEntry } from '../cli/entry-spawn.js';

export interface SpawnAgentOptions {
  /** Which of walship's entries runs the agent (src/cli/entry-spawn.ts builds its command line). */
  entry: WorkerEntry | { script: string };
  /** Arguments after the entry, e.g. ['archive', ...argv]. */
  args: readonly string[];
  /** The data directory: the agent's cwd, so pg_wal/… and postmaster.pid resolve as in PostgreSQL's calls. */
  dataDir: string;
  /** The slot's agent.log: stdout and stderr (an uncaught crash's trace too) are appended there. */
  logPath: string;
  env?: NodeJS.ProcessEnv;
}

/** A named walship entry, or a script Node runs (tests start fixtures that way). */
const invocationOf = ({ entry, args }: SpawnAgentOptions): EntryInvocation =>
  typeof entry === 'string' ? entryInvocation(entry, args) : { command: process.execPath, args: [entry.script, ...args] };

/**
 * detached: its own session, so signals PostgreSQL sends to the command's process group miss it.
 * stdin ignored and stdout/stderr on the log, so the shell running the command does not wait on
 * our pipes. unref: the caller exits without waiting. Returns the agent's pid (undefined if the
 * spawn failed; the caller then takes the synchronous path).
 */
export async function spawnAgent(options: SpawnAgentOptions): Promise<number | undefined> {
  const log = await open(options.logPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    const { command, args } = invocationOf(options);
    const child = spawn(command, args, {
      detached: true,
      cwd: options.dataDir,
      stdio: ['ignore', log.fd, log.fd],
      env: options.env ?? process.env,
    });
    child.on('error', () => undefined);
    child.unref();
    return child.pid;
  } finally {
    await log.close(); // the child has its own copy of the descriptor
  }
}
