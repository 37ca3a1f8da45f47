// The client end of one `barman serve` session (one lane of the restore agent): opened through any
// Transport (ssh or in-process), greeted with HELLO, then one request at a time. Each request is
// presented as a RemoteCommand shaped like an exec get-wal's (WAL bytes on stdout, get-wal's exit
// status and ERROR line in `done`), so fetchVerified and peekNames classify both paths with the
// same code.

import { createHash } from 'node:crypto';
import { PassThrough, type Writable } from 'node:stream';
import type { TransferFormat } from '../codec/transfer.js';
import { teeStderr } from '../transport/stderr-tail.js';
import type { RemoteCommand, RemoteExit, Transport } from '../transport/transport.js';
import { encodeJsonFrame, FRAME, FrameDecoder, parseJsonPayload, PROTOCOL_VERSION, type Frame } from '../wire/frames.js';

/**
 * Exit 2 before HELLO: real Barman's argparse ("invalid choice"), a walship-server older than serve
 * ("not available"), or a HELLO this server rejects. Each means: use exec get-wal with this host.
 */
const REFUSED_STATUS = 2;

export type OpenOutcome = { kind: 'open'; session: ServeSession } | { kind: 'refused' } | { kind: 'failed'; reason: string };

type Handler = (frame: Frame | undefined) => void;

export class ServeSession {
  private handler: Handler | undefined;
  /** Resolves when the current request's answer has fully arrived (or the session died). */
  idle: Promise<void> = Promise.resolve();
  private nextId = 1;
  private dead: string | undefined;

  private constructor(private readonly command: RemoteCommand) {
    const decoder = new FrameDecoder();
    command.stdout.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) this.deliver(frame);
      } catch (error) {
        this.kill(`protocol error: ${(error as Error).message}`);
      }
    });
    void command.done.then((exit) => this.die(exit.transportError ?? `session ended (exit ${exit.status})`));
  }

  /** Starts `barman [--config C] serve S` and waits for its HELLO; a refusal is exit 2 before it. */
  static async open(transport: Transport, args: readonly string[], serverName: string): Promise<OpenOutcome> {
    const session = new ServeSession(transport.run(args, { holdStderr: true }));
    const hello = await session.exchange(encodeJsonFrame(FRAME.HELLO, 0, { v: PROTOCOL_VERSION, server: serverName }));
    if (hello?.type === FRAME.HELLO) {
      session.command.releaseStderr(true);
      return { kind: 'open', session };
    }
    const exit = await session.command.done;
    // Barman's usage text is expected noise here; anything else is worth the log.
    session.command.releaseStderr(exit.status !== REFUSED_STATUS);
    return exit.status === REFUSED_STATUS ? { kind: 'refused' } : { kind: 'failed', reason: session.dead ?? 'no HELLO' };
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /**
   * GET: DATA frames become stdout; END (size and sha256 checked) is status 0, RESULT its code.
   * abort() answers at once (a transport failure: nothing is published) and drops the rest of the
   * answer as it arrives, so the session serves the next request instead of costing a new ssh
   * handshake and remote Node start; `idle` resolves once the answer is complete.
   */
  get(name: string, partial: boolean, format: TransferFormat, stderr: Writable, hold: boolean): RemoteCommand {
    const id = this.nextId++;
    const stdout = new PassThrough();
    const hash = createHash('sha256');
    let size = 0;
    let aborted = false;
    const tee = teeStderr(stderr, { hold });
    let resolveDone: (exit: RemoteExit) => void = () => undefined;
    const done = new Promise<RemoteExit>((resolve) => (resolveDone = resolve));
    this.idle = new Promise<void>((resolveIdle) => {
      this.handler = (frame) => {
        if (frame?.type === FRAME.DATA && frame.id === id) {
          if (aborted) return;
          hash.update(frame.payload);
          size += frame.payload.length;
          // Backpressure: stop reading the session until the temp file has taken the bytes.
          if (!stdout.write(frame.payload)) {
            this.command.stdout.pause();
            stdout.once('drain', () => this.command.stdout.resume());
          }
          return;
        }
        this.handler = undefined;
        stdout.end();
        // A write that asked us to pause gets no 'drain' once the stream is ending: the session
        // would stay paused and the next request hang. The answer is complete, so read on.
        this.command.stdout.resume();
        // An aborted answer's END cannot match (its bytes were dropped): only the frame order counts.
        if (!aborted) resolveDone(this.settle(frame, id, tee, () => ({ size, sha256: hash.digest('hex') })));
        else if (frame === undefined || frame.id !== id) this.kill('serve session answered out of order');
        resolveIdle();
      };
    });
    this.send(encodeJsonFrame(FRAME.GET, id, { name, partial, format }));
    return {
      stdin: new PassThrough(),
      stdout,
      done,
      abort: () => {
        if (aborted) return;
        aborted = true;
        tee.mute();
        // Bytes the temp file was still waiting for are not coming: let it finish, unpublished.
        this.command.stdout.resume();
        stdout.end();
        resolveDone({ status: undefined, transportError: 'aborted by the client' });
      },
      releaseStderr: (show) => tee.release(show),
    };
  }

  /** PEEK: the names on stdout, one a line, as get-wal --peek prints them. */
  peek(name: string, n: number, stderr: Writable): RemoteCommand {
    const id = this.nextId++;
    const stdout = new PassThrough();
    const tee = teeStderr(stderr);
    let resolveIdle: () => void = () => undefined;
    this.idle = new Promise<void>((resolve) => (resolveIdle = resolve));
    const done = new Promise<RemoteExit>((resolve) => {
      this.handler = (frame) => {
        this.handler = undefined;
        resolveIdle();
        const body = frame?.type === FRAME.RESULT && frame.id === id ? parseJsonPayload(frame) : undefined;
        const names = Array.isArray(body?.names) ? body.names.filter((item): item is string => typeof item === 'string') : [];
        stdout.end(names.length > 0 ? `${names.join('\n')}\n` : '');
        resolve(this.settle(frame, id, tee, undefined));
      };
    });
    this.send(encodeJsonFrame(FRAME.PEEK, id, { name, n }));
    return this.asCommand(stdout, done, tee);
  }

  /** Ends the session: stdin EOF, which the server takes as the end; killed if it lingers. */
  async close(): Promise<void> {
    this.command.stdin.end();
    const timer = setTimeout(() => this.command.abort(), 2_000);
    await this.command.done;
    clearTimeout(timer);
  }

  private settle(frame: Frame | undefined, id: number, tee: ReturnType<typeof teeStderr>, got: (() => { size: number; sha256: string }) | undefined): RemoteExit {
    if (frame === undefined || frame.id !== id) return { status: undefined, transportError: this.dead ?? `serve session answered out of order` };
    const body = parseJsonPayload(frame);
    if (frame.type === FRAME.END && got !== undefined) {
      const sent = got();
      if (body.size === sent.size && body.sha256 === sent.sha256) return { status: 0 };
      this.kill('END does not match the bytes received');
      return { status: undefined, transportError: `serve session: ${sent.size} bytes received do not match END ${JSON.stringify(body)}` };
    }
    if (frame.type !== FRAME.RESULT || typeof body.code !== 'number') {
      this.kill(`unexpected frame ${frame.type}`);
      return { status: undefined, transportError: `serve session sent frame ${frame.type}` };
    }
    const message = typeof body.message === 'string' ? body.message : undefined;
    if (message !== undefined) tee.writable.write(`${message}\n`);
    return { status: body.code, ...(message === undefined ? {} : { stderrTail: message }) };
  }

  private asCommand(stdout: PassThrough, done: Promise<RemoteExit>, tee: ReturnType<typeof teeStderr>): RemoteCommand {
    return {
      stdin: new PassThrough(),
      stdout,
      done,
      // A request cannot be cancelled mid-stream on a shared channel: the session goes with it.
      abort: () => {
        tee.mute();
        this.kill('aborted');
      },
      releaseStderr: (show) => tee.release(show),
    };
  }

  private exchange(frame: Buffer): Promise<Frame | undefined> {
    return new Promise((resolve) => {
      this.handler = (answer) => {
        this.handler = undefined;
        resolve(answer);
      };
      this.send(frame);
    });
  }

  private send(frame: Buffer): void {
    if (this.dead !== undefined) return void queueMicrotask(() => this.deliver(undefined));
    this.command.stdin.write(frame);
  }

  private deliver(frame: Frame | undefined): void {
    if (this.handler !== undefined) this.handler(frame);
    else if (frame !== undefined) this.kill(`unsolicited frame ${frame.type}`);
  }

  private kill(reason: string): void {
    this.dead ??= reason;
    this.command.abort();
  }

  /** The command ended: whatever request is open gets a transport failure. */
  private die(reason: string): void {
    this.dead ??= reason;
    this.deliver(undefined);
  }
}
