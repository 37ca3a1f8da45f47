// Fetches one WAL file with a remote get-wal into a temp file beside its final path, and checks
// that a segment is complete and is the segment its name claims before anyone may publish it.

import type { FileHandle } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { readFileHead } from '../codec/stored.js';
import { DESTINATION_ERRNOS } from '../durable/destination-errnos.js';
import { discardTemp, writeTempFile, type TempFile } from '../durable/durable-write.js';
import { CompressionError, DestinationUnusableError, errnoCode, InvalidSegmentError, SshConnectError, WalshipError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import { checkSegment, LONG_HEADER_SIZE, type SegmentHeader } from '../wal/header.js';
import type { WalName } from '../wal/name.js';

/** The remote get-wal answered non-zero (1: not in the archive, or server unknown). */
export type RemoteFailed = { kind: 'remote-failed'; status: number };
export type RawFetchResult = { kind: 'fetched'; temp: TempFile } | RemoteFailed;
export type FetchResult = { kind: 'fetched'; temp: TempFile; header: SegmentHeader | undefined } | RemoteFailed;

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
 * Runs get-wal and streams its stdout through `decoders` into a temp file. The remote's exit decides
 * first: a transport failure throws SshConnectError, a non-zero status is a result; only a clean
 * exit with bytes that decoded and were written yields a temp file. Nothing half-written survives.
 */
export async function fetchToTemp(transport: Transport, args: readonly string[], finalPath: string, decoders: Duplex[]): Promise<RawFetchResult> {
  const command = transport.run(args);
  command.stdin.end();
  let abortedByUs = false;
  const writing = writeTempFile(finalPath, command.stdout, { stages: decoders }).then(
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
  const temp = 'temp' in written ? written.temp : undefined;
  // We stopped the remote ourselves: whatever its exit says is a consequence, our error is the cause.
  if (abortedByUs && 'error' in written) throw classifyWriteError(written.error, finalPath);
  if (exit.transportError !== undefined) {
    if (temp) await discardTemp(temp);
    throw new SshConnectError(exit.transportError);
  }
  if (exit.status !== undefined && exit.status !== 0) {
    if (temp) await discardTemp(temp);
    return { kind: 'remote-failed', status: exit.status };
  }
  if ('error' in written) throw classifyWriteError(written.error, finalPath);
  return { kind: 'fetched', temp: written.temp };
}

/** Segments (and .partial segments) must pass the long page header check; other kinds pass as they are. */
export async function verifyFetched(wal: WalName, temp: TempFile): Promise<SegmentHeader | undefined> {
  if (wal.kind !== 'segment' && wal.kind !== 'partial') return undefined;
  const check = checkSegment(wal, await readHead(temp.path), temp.size);
  if (!check.ok) throw new InvalidSegmentError(`received ${wal.name} is not a complete segment: ${check.reason}`);
  return check.header;
}

/** The first bytes of a fetched or spooled file, enough for its long page header. */
export const readHead = (source: string | FileHandle): Promise<Buffer> => readFileHead(source, LONG_HEADER_SIZE);

/** Fetch, then verify; an unverifiable file is removed before the error leaves. */
export async function fetchVerified(transport: Transport, args: readonly string[], wal: WalName, finalPath: string, decoders: Duplex[]): Promise<FetchResult> {
  const result = await fetchToTemp(transport, args, finalPath, decoders);
  if (result.kind !== 'fetched') return result;
  try {
    return { kind: 'fetched', temp: result.temp, header: await verifyFetched(wal, result.temp) };
  } catch (error) {
    await discardTemp(result.temp);
    throw error;
  }
}
