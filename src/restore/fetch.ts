// Fetches one WAL file with a remote get-wal into a temp file beside its final path, and checks
// that a segment is complete and is the segment its name claims before anyone may publish it.

import type { FileHandle } from 'node:fs/promises';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { readFileHead } from '../codec/stored.js';
import { transferDecoders } from '../codec/transfer.js';
import { DESTINATION_ERRNOS } from '../durable/destination-errnos.js';
import { discardTemp, writeTempFile, type TempFile } from '../durable/durable-write.js';
import { CompressionError, DestinationUnusableError, errnoCode, ForeignSegmentError, InvalidSegmentError, WalshipError } from '../errors.js';
import { getWalArgs, type GetWalCall } from '../transport/barman-command.js';
import { notAvailableAnswer, requireRemoteSuccess, type NotAvailableAnswer } from '../transport/remote-exit.js';
import type { Transport } from '../transport/transport.js';
import { LONG_HEADER_SIZE, validateSegment, type SegmentHeader } from '../wal/header.js';
import type { WalName } from '../wal/name.js';

/** get-wal answered "not in the archive" or "unknown server" (Barman's words, see notAvailableAnswer). */
export type NotAvailable = { kind: 'not-available'; answer: NotAvailableAnswer };
export type RawFetchResult = { kind: 'fetched'; temp: TempFile } | NotAvailable;
export type FetchResult = { kind: 'fetched'; temp: TempFile; header: SegmentHeader | undefined } | NotAvailable;

function classifyWriteError(error: unknown, finalPath: string): unknown {
  if (error instanceof WalshipError) return error;
  const code = errnoCode(error);
  // zlib reports a corrupt or cut gzip stream as Z_DATA_ERROR / Z_BUF_ERROR.
  if (code?.startsWith('Z_')) return new CompressionError(`gzip stream for ${finalPath} is corrupt: ${(error as Error).message}`, { cause: error });
  if (code !== undefined && DESTINATION_ERRNOS.has(code)) {
    return new DestinationUnusableError(`cannot write ${finalPath}: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

/**
 * The remote's stdout as our pipeline's source, without handing the stream itself over. pipeline
 * destroys its source when a later stage fails (ENOSPC), and a destroyed stdout makes the remote
 * fail *before* we stop it: the in-process get-wal then printed "ERROR: The operation was aborted"
 * ahead of our real error. Through this copy, abort() is what stops the remote, and it mutes it.
 */
function detachedSource(stdout: Readable): PassThrough {
  const source = new PassThrough();
  // Until writeTempFile has opened its temp file nobody listens on `source`: an error passed on in
  // that moment must not crash the process. The pipeline still sees it (it starts on a destroyed stream).
  source.on('error', () => undefined);
  stdout.once('error', (error) => source.destroy(error));
  // An in-process far end (local, s3://) stopped by abort() closes its stdout without 'end' or
  // 'error': without this the copy would wait for more bytes forever, and so would the fetch.
  stdout.once('close', () => {
    if (!source.writableEnded) source.destroy(new Error('the output of get-wal was cut off'));
  });
  return stdout.pipe(source);
}

/**
 * Runs get-wal and streams its stdout through the transfer decoders into a temp file. The remote's
 * exit decides first: "not available" is a result; a transport failure (SshConnectError) or any
 * other non-zero status (RemoteCommandError) throws; only a clean exit with bytes that decoded and
 * were written yields a temp file. Nothing half-written survives.
 * The remote's stderr is held until the exit is known: Barman's routine "WAL file not found" line is
 * dropped (the caller says what it means, see not-available.ts: recovery probes for files that do
 * not exist yet all the time); every other outcome prints it verbatim, before any error of ours.
 */
export async function fetchToTemp(
  transport: Transport,
  call: GetWalCall,
  wal: WalName,
  finalPath: string,
  decoders: Duplex[] = transferDecoders(call.format),
): Promise<RawFetchResult> {
  const command = transport.run(getWalArgs(call, { fetch: wal.name }), { holdStderr: true });
  command.stdin.end();
  let abortedByUs = false;
  const writing = writeTempFile(finalPath, detachedSource(command.stdout), { stages: decoders }).then(
    (temp) => ({ temp }),
    (error: unknown) => {
      // Stop a remote that is still sending so `done` resolves. One that already finished (e.g.
      // exit 1 with no bytes, which gunzip calls a cut stream) is left alone: its status is the answer.
      if (!command.stdout.readableEnded) {
        abortedByUs = true;
        command.abort();
      }
      command.stdout.resume();
      return { error };
    },
  );
  const [written, exit] = await Promise.all([writing, command.done]);
  const answer = exit.status === 0 ? undefined : notAvailableAnswer(exit, call.serverName, wal.name);
  command.releaseStderr(answer !== 'wal-not-found');
  // We stopped the remote ourselves: whatever its exit says is a consequence, our error is the cause.
  if (abortedByUs && 'error' in written) throw classifyWriteError(written.error, finalPath);
  if (exit.status !== 0) {
    if ('temp' in written) await discardTemp(written.temp);
    if (answer !== undefined) return { kind: 'not-available', answer };
    requireRemoteSuccess(exit, { failed: (status) => `remote get-wal for ${wal.name} exited ${status}` });
  }
  if ('error' in written) throw classifyWriteError(written.error, finalPath);
  return { kind: 'fetched', temp: written.temp };
}

/**
 * Segments (and .partial segments) must pass the long page header check and, when `expected` is
 * known, carry the recovering cluster's system identifier; history and .backup files have no page
 * header and pass as they are.
 */
export async function verifyFetched(wal: WalName, temp: TempFile, expected?: bigint): Promise<SegmentHeader | undefined> {
  if (wal.kind !== 'segment' && wal.kind !== 'partial') return undefined;
  const check = validateSegment(wal, await readHead(temp.path), temp.size, expected);
  if (check.ok) return check.header;
  if ('mismatch' in check) {
    throw new ForeignSegmentError(`${wal.name} in the archive belongs to another cluster: ${check.reason} (this cluster's global/pg_control); not delivered`, {
      hint: 'the archive holds WAL of another cluster under this server name (a clone, or a re-used name): restore from the right server',
    });
  }
  throw new InvalidSegmentError(`received ${wal.name} is not a complete segment: ${check.reason}`);
}

/** The first bytes of a fetched or spooled file, enough for its long page header. */
export const readHead = (source: string | FileHandle): Promise<Buffer> => readFileHead(source, LONG_HEADER_SIZE);

/** Fetch, then verify (see verifyFetched); an unverifiable file is removed before the error leaves. */
export async function fetchVerified(transport: Transport, call: GetWalCall, wal: WalName, finalPath: string, expected?: bigint): Promise<FetchResult> {
  const result = await fetchToTemp(transport, call, wal, finalPath);
  if (result.kind !== 'fetched') return result;
  try {
    return { kind: 'fetched', temp: result.temp, header: await verifyFetched(wal, result.temp, expected) };
  } catch (error) {
    await discardTemp(result.temp);
    throw error;
  }
}
