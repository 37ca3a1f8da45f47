// Runs `walship-safe-dir mark NAME` on the PostgreSQL host over the OpenSSH client.

import { spawn } from 'node:child_process';
import type { CommandIO } from '../cli/io.js';
import { RemoteCommandError, SshConnectError } from '../errors.js';
import { sshArgvFor, type SshTargetOptions } from '../transport/openssh.js';
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

/** ssh's status when it could not connect or lost the connection, not the remote's answer. */
const SSH_FAILURE = 255;
/** A POSIX shell's status for "command not found". */
const NOT_FOUND = 127;

/**
 * Resolves when the remote mark exited 0. Throws SshConnectError when ssh itself failed and
 * RemoteCommandError (with the remote status) when mark refused. ssh's own diagnostics and the
 * remote's ERROR lines go to stderr, which Barman copies into its log when the hook fails.
 */
export function runRemoteMark(options: RemoteMarkOptions, wal: WalName, io: CommandIO): Promise<void> {
  const argv = sshArgvFor({ ...options.target, quiet: false }, remoteMarkArgv(options, wal));
  const where = `${options.target.user}@${options.target.host}`;
  return new Promise((resolve, reject) => {
    // env: spawn looks ssh up on this PATH, so a test can put a recording fixture first.
    const child = spawn('ssh', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: io.env });
    child.stdout.pipe(io.stderr, { end: false });
    child.stderr.pipe(io.stderr, { end: false });
    child.on('error', (error) => reject(new SshConnectError(`cannot run ssh: ${error.message}`, { cause: error })));
    // 'close' comes after the exit and after both output streams have ended.
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else if (code === SSH_FAILURE) reject(new SshConnectError(`ssh to ${where} failed (exit 255)`));
      else if (code === null) reject(new SshConnectError(`ssh to ${where} was killed by ${signal}`));
      else {
        const hint = code === NOT_FOUND ? `is ${options.remoteCommand} on ${where}'s PATH? otherwise pass --remote-command /path/to/walship-safe-dir` : undefined;
        reject(new RemoteCommandError(`mark ${wal.name} on ${where} failed with exit status ${code}`, code, { hint }));
      }
    });
  });
}
