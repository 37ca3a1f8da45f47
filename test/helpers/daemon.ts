// Long-lived test servers (sshd, postgres) that log to a file and stop by themselves if a test dies.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { SystemUser } from './users.js';

/** A server that outlives its test file (a crashed fork, a killed run) is ended after this long. */
export const SERVER_LIFETIME_SECONDS = 3600;

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Daemon {
  /** PID of the `timeout` wrapper; signals sent to it are passed on to the server. */
  readonly pid: number;
  /** Settles when the wrapper (and so the server) has exited; never rejects. */
  readonly exit: Promise<DaemonExit>;
  exited(): boolean;
  /** Sends signal and waits for the exit; SIGKILLs wrapper and server after graceMs. Idempotent. */
  stop(signal: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface DaemonOptions {
  logPath: string;
  /** Run as this user (uid/gid); default: as root. */
  user?: SystemUser;
  env?: Record<string, string>;
  cwd?: string;
  /** The signal that `timeout` sends when the lifetime is over: the server's graceful stop. */
  lifetimeSignal: NodeJS.Signals;
}

/**
 * Starts `timeout --foreground -s SIG -k 30 LIFETIME argv…` with stdout/stderr appended to logPath.
 * --foreground: timeout signals only the server, not its process group, so e.g. PostgreSQL's
 * archive_command children are never hit by a signal meant for the postmaster. detached: its own
 * session, so a Ctrl-C aimed at vitest does not reach it either; teardown stops it by PID.
 */
export function startDaemon(argv: string[], opts: DaemonOptions): Daemon {
  const timeoutArgv = ['--foreground', '-s', opts.lifetimeSignal, '-k', '30', String(SERVER_LIFETIME_SECONDS)];
  const log = openSync(opts.logPath, 'a');
  const child = spawn('timeout', [...timeoutArgv, ...argv], {
    detached: true,
    stdio: ['ignore', log, log],
    ...(opts.env === undefined ? {} : { env: opts.env }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.user === undefined ? {} : { uid: opts.user.uid, gid: opts.user.gid }),
  });
  closeSync(log);
  child.unref(); // a forgotten stop() must not keep the vitest worker alive; the lifetime ends it
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${argv.join(' ')} (see ${opts.logPath})`);

  let done = false;
  const exit = new Promise<DaemonExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: null, signal: null }));
  }).finally(() => {
    done = true;
  });

  const stop = async (signal: NodeJS.Signals, graceMs = 10_000): Promise<void> => {
    if (done) return;
    child.ref(); // unref'd at start: waiting for its exit must keep the event loop alive
    signalPid(pid, signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const outcome = await Promise.race([exit, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return;
    // The wrapper's direct child is the server; killing only the wrapper would orphan it.
    for (const childPid of await childPids(pid)) signalPid(childPid, 'SIGKILL');
    signalPid(pid, 'SIGKILL');
    await exit;
  };
  return { pid, exit, exited: () => done, stop };
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ESRCH')) throw err;
  }
}

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

/**
 * Polls ready() every 100 ms until it returns true. Throws, with the end of the log, if the daemon
 * exits first or timeoutMs passes: a server that did not come up explains itself in its log.
 */
export async function waitUntilReady(
  daemon: Daemon,
  ready: () => Promise<boolean>,
  what: { name: string; logPath: string; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + what.timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (daemon.exited()) throw new Error(`${what.name} exited during start-up\n${await logTail(what.logPath)}`);
    if (Date.now() > deadline) {
      await daemon.stop('SIGKILL', 2_000);
      throw new Error(`${what.name} not ready after ${what.timeoutMs} ms\n${await logTail(what.logPath)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The last lines of a log file, framed for an error message. */
export async function logTail(logPath: string, lines = 30): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch((err: unknown) => `(cannot read: ${String(err)})`);
  return `--- last ${lines} lines of ${logPath} ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
}
