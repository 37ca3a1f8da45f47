// A Transport for the restore agent that answers get-wal fetches and peeks over long-lived serve
// sessions, one per lane, instead of one remote Node start per call. Everything else (get-wal
// --test), and every call once the far end refused `serve` (real Barman: exit 2), goes through the
// plain transport, and the refusal is remembered for this transport's lifetime.

import { PassThrough, type Writable } from 'node:stream';
import { parseGetWalArgs } from '../get-wal/args.js';
import { serveArgs } from '../transport/barman-command.js';
import type { RemoteCommand, RemoteExit, RunOptions, Transport } from '../transport/transport.js';
import { ServeSession } from './client-session.js';

export interface SessionTransportOptions {
  base: Transport;
  serverName: string;
  config: string | undefined;
  /** Sessions at most: the agent's fetch lanes plus one for planning. */
  lanes: number;
  stderr: Writable;
  log(line: string): void;
}

export function sessionTransport(options: SessionTransportOptions): Transport {
  const pool = new SessionPool(options);
  return {
    label: `${options.base.label} (serve)`,
    run(args, runOptions: RunOptions = {}) {
      const request = asServeRequest(args, options.serverName);
      if (request === undefined) return options.base.run(args, runOptions);
      return deferredCommand(async () => {
        const session = await pool.acquire();
        if (session === undefined) {
          const command = options.base.run(args, runOptions);
          command.stdin.end();
          return command;
        }
        const command = request.peek !== undefined
          ? session.peek(request.walName, request.peek, options.stderr)
          : session.get(request.walName, request.partial, request.output, options.stderr, runOptions.holdStderr === true);
        // Back to the pool once the answer is complete, even if this call gave up on it (abort).
        void command.done.then(() => session.idle).then(() => pool.release(session));
        return command;
      });
    },
    async close() {
      await pool.close();
      await options.base.close();
    },
  };
}

/**
 * The get-wal call these args make, parsed by get-wal's own parser (so the session answers exactly
 * what exec would); undefined for what only exec can answer (--test, -o DIR) or another server.
 */
function asServeRequest(args: readonly string[], serverName: string) {
  const at = args.indexOf('get-wal');
  if (at < 0) return undefined;
  const request = parseGetWalArgs(args.slice(at + 1), { stdout: new PassThrough() });
  if (request === undefined || request.test || request.outputDirectory !== undefined || request.serverName !== serverName) return undefined;
  return request;
}

/** A RemoteCommand whose real command starts once `start` resolves (a session is free). */
function deferredCommand(start: () => Promise<RemoteCommand>): RemoteCommand {
  const stdout = new PassThrough();
  let inner: RemoteCommand | undefined;
  let aborted = false;
  const done = start().then(
    (command): Promise<RemoteExit> => {
      inner = command;
      command.stdout.pipe(stdout);
      // An in-process far end (s3://, --transport local) stops on abort without ending its stdout:
      // end ours too, or a reader of this command (fetchToTemp) waits for bytes that never come.
      command.stdout.once('close', () => {
        if (!stdout.writableEnded) stdout.destroy();
      });
      if (aborted) command.abort();
      return command.done;
    },
    (error: unknown): RemoteExit => {
      stdout.end();
      return { status: undefined, transportError: `serve session failed: ${(error as Error).message}` };
    },
  );
  return {
    stdin: new PassThrough(),
    stdout,
    done,
    abort: () => {
      aborted = true;
      inner?.abort();
    },
    releaseStderr: (show) => inner?.releaseStderr(show),
  };
}

/** Idle sessions, waiters, and whether the far end speaks serve at all. */
class SessionPool {
  private readonly idle: ServeSession[] = [];
  private readonly all = new Set<ServeSession>();
  private readonly waiters: ((session: ServeSession | undefined) => void)[] = [];
  private opening = 0;
  private refused = false;

  constructor(private readonly options: SessionTransportOptions) {}

  /** A free session, a new one while under `lanes`, or undefined: use exec for this call. */
  async acquire(): Promise<ServeSession | undefined> {
    if (this.refused) return undefined;
    const free = this.idle.pop();
    if (free !== undefined) return free.alive ? free : this.forget(free);
    if (this.all.size + this.opening >= this.options.lanes) return new Promise((resolve) => this.waiters.push(resolve));
    this.opening++;
    const outcome = await ServeSession.open(this.options.base, serveArgs(this.options.serverName, this.options.config), this.options.serverName).finally(() => this.opening--);
    if (outcome.kind === 'open') {
      this.all.add(outcome.session);
      this.options.log(`serve session ${this.all.size} open`);
      return outcome.session;
    }
    if (outcome.kind === 'refused' && !this.refused) {
      this.refused = true;
      this.options.log('the archive host refused serve: using exec get-wal from now on');
    } else if (outcome.kind === 'failed') this.options.log(`serve session failed to open: ${outcome.reason}; this call uses exec get-wal`);
    this.wakeAll();
    return undefined;
  }

  release(session: ServeSession): void {
    if (!session.alive) {
      this.forget(session);
      // A waiter may now open a new session in its place (an aborted fetch kills its session).
      const waiter = this.waiters.shift();
      if (waiter !== undefined) void this.acquire().then(waiter);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(session);
    else this.idle.push(session);
  }

  async close(): Promise<void> {
    this.refused = true;
    this.wakeAll();
    await Promise.all([...this.all].map((session) => session.close()));
    this.all.clear();
  }

  private forget(session: ServeSession): undefined {
    this.all.delete(session);
    return undefined;
  }

  private wakeAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
