// Runs a real executable (optionally as another system user) and captures everything it said.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loginEnv, lookupUser } from './users.js';

/** Absolute path of the repository root (no trailing slash). */
export const repoRoot: string = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** `<repoRoot>/bin/<name>`: the executables under test, e.g. `binPath('walship-archive')`. */
export function binPath(name: string): string {
  return `${repoRoot}/bin/${name}`;
}

/** What a finished process left behind. `code` is null when a signal ended it. */
export interface RunResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Raw bytes: get-wal and friends write WAL segments here. */
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  /** Run as this system user: uid/gid of the account, HOME/USER/LOGNAME set, no shell involved. */
  user?: string;
  /** Added to (and overriding) the base environment described on `run`. */
  env?: Record<string, string>;
  cwd?: string;
  /** Written to stdin, which is then closed. Without it stdin is closed at once (like `</dev/null`). */
  input?: Buffer | string;
  /** Default 60 s. On expiry the process is SIGKILLed and `run` rejects. */
  timeoutMs?: number;
}

/**
 * Spawns argv[0] with argv[1..] (never through a shell) and resolves once it has exited and its
 * output has ended. Never rejects on a non-zero exit or a signal: the test asserts on the result.
 * Rejects when it cannot be spawned or when timeoutMs passes, with the captured output in the message.
 *
 * Environment: as root (no `user`), this process's environment plus `env`. With `user`, a clean
 * login-like environment (PATH, LANG, HOME, USER, LOGNAME) plus `env`, as a service account would have.
 */
export async function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('run: empty argv');
  const identity = opts.user === undefined ? undefined : await resolveIdentity(opts.user);
  const env = identity === undefined ? { ...process.env, ...opts.env } : { ...identity.env, ...opts.env };
  const timeoutMs = opts.timeoutMs ?? 60_000;

  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd ?? identity?.home,
      env,
      // libuv calls setgroups(0) before setuid, so root's supplementary groups do not leak.
      ...(identity === undefined ? {} : { uid: identity.uid, gid: identity.gid }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A child that exits without reading its stdin makes our write fail with EPIPE: not our failure.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);

    const result = (code: number | null, signal: NodeJS.Signals | null): RunResult => ({
      argv,
      code,
      signal,
      stdout: Buffer.concat(stdout),
      stderr: Buffer.concat(stderr).toString('utf8'),
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`run: timed out after ${timeoutMs} ms\n${describeRun(result(null, 'SIGKILL'))}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`run: cannot start ${file}: ${err.message}`, { cause: err }));
    });
    // 'close' (not 'exit'): the status is known and stdout/stderr have ended.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(result(code, signal));
    });
  });
}

interface Identity {
  uid: number;
  gid: number;
  home: string;
  env: Record<string, string>;
}

async function resolveIdentity(name: string): Promise<Identity> {
  const user = await lookupUser(name);
  if (user === undefined) throw new Error(`run: no system user '${name}' (create it with ensureUser)`);
  return { uid: user.uid, gid: user.gid, home: user.home, env: loginEnv(user) };
}

const PREVIEW_CHARS = 2000;

/** A multi-line account of a run for assertion messages: command, status, stderr, stdout preview. */
export function describeRun(r: RunResult): string {
  const status = r.signal === null ? `exit code ${r.code}` : `killed by ${r.signal}`;
  return [
    `$ ${r.argv.map(quoteForDisplay).join(' ')}`,
    `→ ${status}`,
    `--- stderr (${r.stderr.length} chars) ---`,
    r.stderr.trimEnd(),
    `--- stdout (${r.stdout.length} bytes) ---`,
    previewBytes(r.stdout),
  ].join('\n');
}

/** Text is shown (truncated); binary output (a WAL segment) is summarised, not dumped. */
function previewBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const binary = bytes.includes(0) || text.includes('\uFFFD');
  if (binary) return `<binary; first bytes: ${bytes.subarray(0, 32).toString('hex')}>`;
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}… (truncated)` : text.trimEnd();
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
