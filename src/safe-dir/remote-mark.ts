// Runs `walship-safe-dir mark NAME` on the PostgreSQL host over the OpenSSH client.

import type { CommandIO } from '../cli/io.js';
import { runSshCommand, type SshTargetOptions } from '../transport/openssh.js';
import { requireRemoteSuccess } from '../transport/remote-exit.js';
import type { WalName } from '../wal/name.js';

export interface RemoteMarkOptions {
  target: SshTargetOptions;
  /** The walship-safe-dir program on the PostgreSQL host: a name on its PATH or an absolute path. */
  remoteCommand: string;
  /** The safe dir on the PostgreSQL host; undefined lets mark use its default. */
  remoteDir: string | undefined;
}

/** The fixed remote argv; only NAME varies, and it is a parsed WAL name. `--` ends the options. */
export function remoteMarkArgv(options: RemoteMarkOptions, wal: WalName): string[] {
  const dir = options.remoteDir === undefined ? [] : ['--dir', options.remoteDir];
  return [options.remoteCommand, 'mark', ...dir, '--', wal.name];
}

/** A POSIX shell's status for "command not found". */
const NOT_FOUND = 127;

/**
 * Resolves when the remote mark exited 0. Throws SshConnectError when ssh itself failed and
 * RemoteCommandError (with the remote status) when mark refused. ssh's own diagnostics and the
 * remote's ERROR lines go to stderr, which Barman copies into its log when the hook fails.
 */
export async function runRemoteMark(options: RemoteMarkOptions, wal: WalName, io: CommandIO): Promise<void> {
  const where = `${options.target.user}@${options.target.host}`;
  // env: ssh is looked up on that PATH, so a test can put a recording fixture first.
  const command = runSshCommand({ ...options.target, quiet: false, stderr: io.stderr, env: io.env, label: where }, remoteMarkArgv(options, wal));
  command.stdin.end();
  command.stdout.pipe(io.stderr, { end: false });
  requireRemoteSuccess(await command.done, {
    failed: (status) => `mark ${wal.name} on ${where} failed with exit status ${status}`,
    hint: (status) => (status === NOT_FOUND ? `is ${options.remoteCommand} on ${where}'s PATH? otherwise pass --remote-command /path/to/walship-safe-dir` : undefined),
  });
}
