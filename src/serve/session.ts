// `walship-server serve`'s session loop: HELLO, then GET and PEEK requests one at a time, answered
// by get-wal's own verb (locate, peek, send), so a serve answer and an exec get-wal answer can never
// differ. No process.*: the caller passes stdin/stdout and the server's directories.

import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { TransferFormat } from '../codec/transfer.js';
import { exitStatusFor, formatError } from '../cli/exit-table.js';
import { getWal } from '../get-wal/get-wal.js';
import type { GetWalRequest } from '../get-wal/args.js';
import { GET_WAL_EXIT } from '../get-wal/cli.js';
import type { ServerDirectories } from '../get-wal/locate.js';
import { walNotFoundMessage } from '../transport/barman-command.js';
import { encodeJsonFrame, FRAME, FrameDecoder, FrameError, parseJsonPayload, PROTOCOL_VERSION, type Frame } from '../wire/frames.js';
import { framingWriter } from './data-writer.js';

export interface SessionOptions {
  serverName: string;
  dirs: ServerDirectories;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  version: string;
  /** No request for this long ends the session (the client went away without closing stdin). */
  idleMs: number;
}

const FORMATS = new Set<TransferFormat>(['plain', 'gzip', 'bzip2', 'keep']);
/** A peek asks for a queue's worth of names; more is not a restore agent talking. */
const MAX_PEEK = 4096;

/** Runs until stdin ends (resolves) or the protocol is broken (throws FrameError). */
export async function runServeSession(options: SessionOptions): Promise<void> {
  const decoder = new FrameDecoder();
  let greeted = false;
  let timer: NodeJS.Timeout | undefined;
  const armIdle = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => options.stdin.destroy(new FrameError(`no request for ${options.idleMs / 1000} s`)), options.idleMs);
    timer.unref();
  };
  armIdle();
  try {
    for await (const chunk of options.stdin) {
      for (const frame of decoder.push(chunk as Buffer)) {
        if (!greeted) greeted = await answerHello(frame, options);
        else await answerRequest(frame, options);
        armIdle();
      }
    }
    decoder.finish();
  } finally {
    clearTimeout(timer);
  }
}

async function answerHello(frame: Frame, options: SessionOptions): Promise<true> {
  const hello = frame.type === FRAME.HELLO ? parseJsonPayload(frame) : undefined;
  if (hello?.v !== PROTOCOL_VERSION || hello.server !== options.serverName) {
    throw new FrameError(`expected HELLO {v:${PROTOCOL_VERSION}, server:${JSON.stringify(options.serverName)}}`);
  }
  await write(options.stdout, encodeJsonFrame(FRAME.HELLO, frame.id, { v: PROTOCOL_VERSION, version: options.version }));
  return true;
}

async function answerRequest(frame: Frame, options: SessionOptions): Promise<void> {
  const body = parseJsonPayload(frame);
  if (frame.type === FRAME.GET) return answerGet(frame.id, getRequest(body, options.serverName), options);
  if (frame.type === FRAME.PEEK) return answerPeek(frame.id, peekRequest(body, options.serverName), options);
  throw new FrameError(`unexpected frame type ${frame.type} as a request`);
}

const baseRequest = (serverName: string, name: unknown): GetWalRequest => {
  if (typeof name !== 'string') throw new FrameError('request without a name');
  // The name is validated by getWal exactly as get-wal's argument is (requireWalName).
  return { serverName, walName: name, output: 'plain', partial: false, peek: undefined, outputDirectory: undefined, test: false };
};

function getRequest(body: Record<string, unknown>, serverName: string): GetWalRequest {
  const format = body.format ?? 'plain';
  if (!FORMATS.has(format as TransferFormat)) throw new FrameError(`unknown format ${JSON.stringify(format)}`);
  return { ...baseRequest(serverName, body.name), output: format as TransferFormat, partial: body.partial === true };
}

function peekRequest(body: Record<string, unknown>, serverName: string): GetWalRequest {
  const n = body.n;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PEEK) throw new FrameError(`peek count must be 1..${MAX_PEEK}`);
  return { ...baseRequest(serverName, body.name), peek: n };
}

/** DATA… then END, or RESULT with get-wal's exit status and its ERROR line (human copy on stderr). */
async function answerGet(id: number, request: GetWalRequest, options: SessionOptions): Promise<void> {
  const data = framingWriter(options.stdout, id);
  try {
    const result = await getWal(request, options.dirs, data.writable);
    if (result.kind === 'not-found') return await notFound(id, `ERROR: ${walNotFoundMessage(result.walName, options.serverName)}`, options);
    await write(options.stdout, encodeJsonFrame(FRAME.END, id, data.summary()));
  } catch (error) {
    await failed(id, error, options);
  }
}

async function answerPeek(id: number, request: GetWalRequest, options: SessionOptions): Promise<void> {
  try {
    // A peek writes nothing to the stream: its answer is the names.
    const result = await getWal(request, options.dirs, options.stdout);
    const names = result.kind === 'peeked' ? result.names : [];
    await write(options.stdout, encodeJsonFrame(FRAME.RESULT, id, { code: 0, names }));
  } catch (error) {
    await failed(id, error, options);
  }
}

const notFound = (id: number, message: string, options: SessionOptions): Promise<void> =>
  write(options.stdout, encodeJsonFrame(FRAME.RESULT, id, { code: 1, message }));

/** The status get-wal would have exited with, so the client classifies both paths alike. */
async function failed(id: number, error: unknown, options: SessionOptions): Promise<void> {
  const message = formatError(error).trimEnd();
  options.stderr.write(`${message}\n`);
  await write(options.stdout, encodeJsonFrame(FRAME.RESULT, id, { code: exitStatusFor(GET_WAL_EXIT, error), message }));
}

async function write(out: Writable, bytes: Buffer): Promise<void> {
  if (!out.write(bytes)) await once(out, 'drain');
}
