// put-wal's tar stream into the bucket. The stream is received as walship-server receives it
// (src/put-wal/receive.ts, into a private staging directory instead of incoming/) and verified
// against its checksum member (verify.ts); every member must then decode and be the file its name
// claims, all before the first PUT, so a refused stream stores nothing. Then the members go up a few
// at a time with putWalObject's guarantees, as the client compressed them (-z/-j: stored under the
// matching suffix). Resolves only once the store acknowledged every member.

import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { measureDecoded } from '../codec/decoded-size.js';
import { detectCompression, MAGIC_LENGTH } from '../codec/stored.js';
import { openPrivateDir } from '../durable/private-dir.js';
import { walshipStateDir } from '../durable/walship-home.js';
import { sweepAbandonedTemps } from '../durable/temp-sweep.js';
import { ForeignSegmentError, InvalidSegmentError } from '../errors.js';
import { discardAll, receiveWalStream, type ReceivedWal } from '../put-wal/receive.js';
import { verifyChecksums } from '../put-wal/verify.js';
import { LONG_HEADER_SIZE, validateSegment } from '../wal/header.js';
import { MAX_SEGMENT_SIZE } from '../wal/name.js';
import { decodeBuffer } from './decode.js';
import type { OpenedStore } from './options.js';
import { runBounded } from './put-bounded.js';
import { putWalObject, type StorePutResult } from './put-wal.js';

/** PUTs in flight per stream (per agent lane): hides the store's latency, well inside a client's 64 sockets. */
export const PUTS_IN_FLIGHT = 4;
/**
 * ...and no more decoded bytes than this in flight: each PUT holds its member (and, for -z/-j, its
 * decoded bytes) in memory, so 16 MiB segments go 4 at a time and 64 MiB or larger ones one by one.
 */
export const BYTES_IN_FLIGHT = 64 * 1024 * 1024;

export interface StreamPutRequest extends OpenedStore {
  server: string;
  input: Readable;
  now: () => Date;
}

export type MemberOutcome = StorePutResult & { name: string };

export async function putWalStream(request: StreamPutRequest): Promise<MemberOutcome[]> {
  const staging = await openStaging();
  const received = await receiveWalStream(request.input, staging);
  try {
    await verifyChecksums(received);
    const largest = await checkMembers(request.server, received.files);
    const inFlight = Math.max(1, Math.min(PUTS_IN_FLIGHT, Math.floor(BYTES_IN_FLIGHT / Math.max(1, largest))));
    return await runBounded(received.files, inFlight, (file) => putMember(request, file));
  } finally {
    await discardAll(received.files);
  }
}

/**
 * ~/.walship/staging/s3-put, private (issue 8's rules). Not under $TMPDIR: a name there is
 * predictable, so another account could make it first and stop every stream, and /tmp may be a
 * small tmpfs that a --batch backlog fills. The bytes are held only until the store has them; the
 * temp files of a killed agent are swept by the next stream, as put-wal sweeps incoming/.
 */
async function openStaging(): Promise<string> {
  const { dir } = await openPrivateDir(walshipStateDir('staging'), 's3-put');
  await sweepAbandonedTemps(dir);
  return dir;
}

/**
 * Every member decodes (a compressed one within a segment's largest size); every segment and
 * .partial is the segment its name claims, and all of them are of one cluster. The bucket's own
 * record of the cluster is compared by putWalObject, member by member. Returns the largest decoded size.
 */
async function checkMembers(server: string, files: readonly ReceivedWal[]): Promise<number> {
  let first: { identifier: bigint; name: string } | undefined;
  let largest = 0;
  for (const file of files) {
    const name = file.wal.name;
    const decoded = await measureDecoded(file.temp.path, LONG_HEADER_SIZE, MAX_SEGMENT_SIZE).catch((error: unknown) => {
      throw new InvalidSegmentError(`WAL file ${name} refused for server '${server}': its compressed data cannot be decoded: ${(error as Error).message}`);
    });
    largest = Math.max(largest, decoded.size);
    if (file.wal.kind !== 'segment' && file.wal.kind !== 'partial') continue; // history, .backup: no page header
    const check = validateSegment(file.wal, decoded.head, decoded.size, first?.identifier);
    if (!check.ok && 'mismatch' in check && first !== undefined) {
      throw new ForeignSegmentError(`WAL file ${name} refused for server '${server}': system identifier ${check.mismatch.found}, but ${first.name} in the same upload has ${first.identifier}`, {
        hint: 'nothing was archived; one upload must not mix the WAL of two clusters',
      });
    }
    if (!check.ok) {
      throw new InvalidSegmentError(`WAL file ${name} refused for server '${server}': it is not the segment its name claims: ${check.reason}`, {
        hint: 'nothing was archived; the file under that name in pg_wal is damaged or not a WAL segment',
      });
    }
    first ??= { identifier: check.header.systemIdentifier, name };
  }
  return largest;
}

/** One member, read back from staging: stored as sent, compared and validated by its decoded bytes. */
async function putMember(request: StreamPutRequest, file: ReceivedWal): Promise<MemberOutcome> {
  const sent = await readFile(file.temp.path);
  const format = detectCompression(sent.subarray(0, MAGIC_LENGTH));
  const data = format === 'none' ? sent : await decodeBuffer(sent, format);
  const result = await putWalObject({
    store: request.store,
    location: request.location,
    server: request.server,
    wal: file.wal,
    data,
    stored: format === 'none' ? undefined : { bytes: sent, compression: format },
    now: request.now(),
  });
  return { name: file.wal.name, ...result };
}
