// Before anything is published: every segment member (and .partial) must be the segment its name
// claims and, unless the server switches the check off, of the cluster whose WAL this archive holds
// (SPEC §7). Storing any bytes under a WAL name poisons the archive: a 0-byte "segment" makes the
// real upload of that name look like a different duplicate, and a clone's segment gets replayed.

import { readStoredFormat, readFileHead } from '../codec/stored.js';
import { measureDecoded } from '../codec/decoded-size.js';
import type { ServerConfig } from '../config/barman-config.js';
import { ForeignSegmentError, InvalidSegmentError } from '../errors.js';
import { LONG_HEADER_SIZE, validateSegment, type IdentifierMismatch, type SegmentValidation } from '../wal/header.js';
import { MAX_SEGMENT_SIZE } from '../wal/name.js';
import { readRecordedIdentifier, recordIdentifier, recordPath, resetHint } from './identity-record.js';
import type { ReceivedWal } from './receive.js';

/** Where the identifier the members are compared with came from, for the ERROR line. */
type Expected = { identifier: bigint; from: 'record' } | { identifier: bigint; from: 'stream'; member: string };

/**
 * Throws on the first refused member; nothing is published then. Returns the identifier to record
 * when the check is on, there is no record yet and the stream holds segments (else undefined).
 */
export async function checkSegmentMembers(server: ServerConfig, files: readonly ReceivedWal[]): Promise<bigint | undefined> {
  const recorded = server.checkSystemIdentifier ? await readRecordedIdentifier(server) : undefined;
  let expected: Expected | undefined = recorded === undefined ? undefined : { identifier: recorded, from: 'record' };
  for (const file of files) {
    if (file.wal.kind !== 'segment' && file.wal.kind !== 'partial') continue; // history, .backup: no page header
    const check = await validateMember(file, expected?.identifier);
    if (!check.ok) throw refusal(server, file, check, expected);
    // Without a record, this stream's segments must agree with its first one.
    if (server.checkSystemIdentifier && expected === undefined) {
      expected = { identifier: check.header.systemIdentifier, from: 'stream', member: file.wal.name };
    }
  }
  return recorded === undefined && expected !== undefined ? expected.identifier : undefined;
}

/**
 * Records the stream's identifier before anything is published (see put-wal.ts). When a concurrent
 * first upload of another cluster recorded first, this stream is refused as if the record had been there.
 */
export async function recordStreamIdentifier(server: ServerConfig, files: readonly ReceivedWal[], identifier: bigint): Promise<void> {
  const recorded = await recordIdentifier(server, identifier);
  const first = files.find((file) => file.wal.kind === 'segment' || file.wal.kind === 'partial');
  if (recorded === identifier || first === undefined) return;
  const mismatch = { found: identifier, expected: recorded };
  throw refusal(server, first, { reason: 'recorded concurrently', mismatch }, { identifier: recorded, from: 'record' });
}

/** The member's decoded head and size (members of -z/-j uploads are stored compressed), validated. */
async function validateMember(file: ReceivedWal, expected: bigint | undefined): Promise<SegmentValidation> {
  if (file.temp.size === 0) return { ok: false, reason: 'it is empty (0 bytes)' };
  const { path } = file.temp;
  if ((await readStoredFormat(path)) === 'none') {
    return validateSegment(file.wal, await readFileHead(path, LONG_HEADER_SIZE), file.temp.size, expected);
  }
  try {
    const decoded = await measureDecoded(path, LONG_HEADER_SIZE, MAX_SEGMENT_SIZE);
    return validateSegment(file.wal, decoded.head, decoded.size, expected);
  } catch (error) {
    return { ok: false, reason: `its compressed data cannot be decoded: ${(error as Error).message}` };
  }
}

function refusal(server: ServerConfig, file: ReceivedWal, check: { reason: string; mismatch?: IdentifierMismatch }, expected: Expected | undefined): Error {
  const name = file.wal.name;
  if (check.mismatch === undefined || expected === undefined) {
    return new InvalidSegmentError(`WAL file ${name} refused for server '${server.name}': it is not the segment its name claims: ${check.reason}`, {
      hint: 'nothing was archived; the file under that name in pg_wal is damaged or not a WAL segment',
    });
  }
  const { found } = check.mismatch;
  if (expected.from === 'stream') {
    return new ForeignSegmentError(
      `WAL file ${name} refused for server '${server.name}': system identifier ${found}, but ${expected.member} in the same upload has ${expected.identifier}`,
      { hint: 'nothing was archived; one upload must not mix the WAL of two clusters' },
    );
  }
  return new ForeignSegmentError(
    `WAL file ${name} refused for server '${server.name}': its system identifier ${found} is not ${expected.identifier}, the cluster whose WAL this server's archive holds (${recordPath(server)})`,
    { hint: resetHint(server) },
  );
}
