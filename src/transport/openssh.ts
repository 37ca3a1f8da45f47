// Transport over the OpenSSH client, so ~/.ssh/config Host sections, known_hosts and agents behave
// exactly as they do for barman-cli. Host keys are whatever ssh decides: walship never adds
// StrictHostKeyChecking=no or accept-new.

import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../errors.js';
import { barmanCommand } from './barman-command.js';
import { quoteCommand } from './quote.js';
import { teeStderr, withTail } from './stderr-tail.js';
import type { RemoteCommand, RemoteExit, RunOptions, Transport } from './transport.js';

export interface OpenSshOptions {
  host: string;
  user: string;
  port?: number;
  /** Keep a master connection for this many seconds (ControlPersist) so later calls skip the handshake. */
  reuseSeconds?: number;
  /** Where ControlPath sockets live (default ~/.ssh). */
  controlDir?: string;
  stderr: Writable;
  /** The ssh program; tests point it at fixtures. */
  sshCommand?: string;
}

/** Host and user go on ssh's command line: refuse anything ssh could read as an option or that is not a name. */
const HOST_RE = /^[A-Za-z0-9_.:[\]%-]+$/;
const USER_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;

export function validateSshTarget(host: string, user: string, port: number | undefined): void {
  if (!HOST_RE.test(host) || host.startsWith('-')) throw new UsageError(`invalid BARMAN_HOST ${JSON.stringify(host)}`);
  if (!USER_RE.test(user)) throw new UsageError(`invalid ssh user ${JSON.stringify(user)}`);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new UsageError(`invalid port ${port}`);
}

/** What sshArgvFor needs: where to connect and how; no streams. */
export type SshTargetOptions = Pick<OpenSshOptions, 'host' | 'user' | 'port' | 'reuseSeconds' | 'controlDir'> & {
  /** -o ConnectTimeout: give up on an unreachable host after this long instead of the TCP default. */
  connectTimeoutSeconds?: number;
  /** Default true (-q). False keeps ssh's own diagnostics (connection refused, host key) on stderr. */
  quiet?: boolean;
  /** With reuseSeconds: this socket instead of `<controlDir>/walship-%C` (the async agent's one master per lane). */
  controlPath?: string;
};

/** ssh's argv for running any remote argv; the argv becomes one command line only via quoteCommand. */
export function sshArgvFor(options: SshTargetOptions, remoteArgv: readonly string[]): string[] {
  validateSshTarget(options.host, options.user, options.port);
  const argv: string[] = [];
  if (options.port !== undefined) argv.push('-p', String(options.port));
  if (options.quiet !== false) argv.push('-q');
  // BatchMode: archive_command and restore_command have no terminal; fail instead of prompting.
  argv.push('-T', '-o', 'BatchMode=yes');
  if (options.connectTimeoutSeconds !== undefined) argv.push('-o', `ConnectTimeout=${options.connectTimeoutSeconds}`);
  if (options.reuseSeconds !== undefined && options.reuseSeconds > 0) {
    const path = options.controlPath ?? `${options.controlDir ?? '~/.ssh'}/walship-%C`;
    argv.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${path}`, '-o', `ControlPersist=${options.reuseSeconds}`);
  }
  argv.push(`${options.user}@${options.host}`, quoteCommand(remoteArgv));
  return argv;
}

/** ssh exits 255 when it could not connect or the connection dropped. */
const SSH_FAILURE = 255;
const STDERR_GRACE_MS = 300;

export function openSshTransport(options: OpenSshOptions): Transport {
  return {
    label: `${options.user}@${options.host}`,
    run(args, runOptions: RunOptions = {}) {
      // The remote side of walship-archive/-restore is always `barman ...` (or walship-server's alias).
      return runSshCommand({ ...options, ...runOptions }, barmanCommand(args));
    },
    async close() {
      // A ControlPersist master exits by itself when idle; nothing to release per process.
    },
  };
}

export interface SshRunOptions extends SshTargetOptions, RunOptions {
  /** Where ssh's and the remote's stderr go. */
  stderr: Writable;
  /** The ssh program; tests point it at fixtures. */
  sshCommand?: string;
  /** Environment for ssh (and the PATH it is looked up on); default this process's. */
  env?: NodeJS.ProcessEnv;
  /** How failures name the far end; default the host. */
  label?: string;
}

/** Runs any remote argv over OpenSSH: the one place walship starts ssh and reads its exit. */
export function runSshCommand(options: SshRunOptions, remoteArgv: readonly string[]): RemoteCommand {
  const argv = sshArgvFor(options, remoteArgv);
  const label = options.label ?? options.host;
  const child = spawn(options.sshCommand ?? 'ssh', argv, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  const remoteStderr = teeStderr(options.stderr, { hold: options.holdStderr === true });
  child.stderr.pipe(remoteStderr.writable);
  // The remote may exit without reading all of stdin (e.g. --test); that EPIPE is not our failure.
  child.stdin.on('error', () => undefined);
  // Finished means: exit status known AND stdout ended. Not 'close': a ControlPersist master
  // forked by this ssh may keep our stderr pipe open for minutes.
  const stdoutEnded = new Promise<void>((resolve) => {
    child.stdout.once('end', resolve);
    child.stdout.once('close', resolve);
  });
  const exited = new Promise<RemoteExit>((resolve) => {
    child.on('error', (error) => resolve({ status: undefined, transportError: `cannot run ssh: ${error.message}` }));
    child.on('exit', (code, signal) => {
      if (code === SSH_FAILURE) resolve({ status: undefined, transportError: `ssh to ${label} failed (exit 255)` });
      else if (code === null) resolve({ status: undefined, transportError: `ssh to ${label} was killed by ${signal}` });
      else resolve({ status: code });
    });
  });
  const stderrEnded = new Promise<void>((resolve) => child.stderr.once('close', resolve));
  const done = Promise.all([exited, stdoutEnded]).then(async ([exit]) => {
    // Let the remote's last ERROR line through, but never wait long on a pipe a master holds.
    await Promise.race([stderrEnded, sleep(STDERR_GRACE_MS, undefined, { ref: false })]);
    child.stderr.unpipe(remoteStderr.writable);
    child.stderr.destroy();
    // Only the remote's own answer is classified by its words; ssh's failure is not an answer.
    return exit.status === undefined ? exit : { ...exit, ...withTail(remoteStderr.tail()) };
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    done,
    abort: () => {
      // What the remote says once we stopped it (a broken pipe) is a consequence of our error.
      remoteStderr.mute();
      child.kill('SIGTERM');
    },
    releaseStderr: (show) => remoteStderr.release(show),
  };
}
