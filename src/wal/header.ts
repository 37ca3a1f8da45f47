// Reads a WAL segment's long page header and checks that the file is the segment its name claims
// (and, where the cluster is known, that cluster's segment).
// Layout (xlog_internal.h, stable since 8.3): XLogPageHeaderData is magic u16, info u16, tli u32,
// pageaddr u64, rem_len u32 (+4 padding) = 24 bytes; the long header adds sysid u64, seg_size u32,
// xlog_blcksz u32 = 40 bytes. Fields are in the host's byte order; every supported platform here
// is little-endian.

import { isValidSegmentSize, segmentStartLsn, type WalName } from './name.js';

export const LONG_HEADER_SIZE = 40;
const XLP_LONG_HEADER = 0x0002;
/** WAL page magics are 0xD0xx/0xD1xx across PostgreSQL 9.0 .. 18; anything else is not WAL. */
const MAGIC_MIN = 0xd000;
const MAGIC_MAX = 0xd1ff;

export interface SegmentHeader {
  magic: number;
  info: number;
  timeline: number;
  pageAddress: bigint;
  systemIdentifier: bigint;
  segmentSize: number;
  blockSize: number;
}

/** Decodes the first 40 bytes; undefined if there are fewer or the long-header flag is missing. */
export function readSegmentHeader(head: Buffer): SegmentHeader | undefined {
  if (head.length < LONG_HEADER_SIZE) return undefined;
  const info = head.readUInt16LE(2);
  if ((info & XLP_LONG_HEADER) === 0) return undefined;
  return {
    magic: head.readUInt16LE(0),
    info,
    timeline: head.readUInt32LE(4),
    pageAddress: head.readBigUInt64LE(8),
    systemIdentifier: head.readBigUInt64LE(24),
    segmentSize: head.readUInt32LE(32),
    blockSize: head.readUInt32LE(36),
  };
}

export type SegmentCheck = { ok: true; header: SegmentHeader } | { ok: false; reason: string };

/**
 * Does `head` (the file's first bytes) plus `fileSize` describe the complete segment `wal`?
 * The header's timeline may be lower than the name's: the first segment of a new timeline is a
 * copy of the old timeline's segment, page headers included (xlog.c XLogInitNewTimeline).
 */
export function checkSegment(wal: WalName, head: Buffer, fileSize: number): SegmentCheck {
  const header = readSegmentHeader(head);
  if (!header) return { ok: false, reason: 'no long page header at offset 0' };
  if (header.magic < MAGIC_MIN || header.magic > MAGIC_MAX) {
    return { ok: false, reason: `page magic 0x${header.magic.toString(16)} is not a WAL magic` };
  }
  if (!isValidSegmentSize(header.segmentSize)) {
    return { ok: false, reason: `segment size ${header.segmentSize} in header is not a power of two from 1 MiB to 1 GiB` };
  }
  if (fileSize !== header.segmentSize) {
    return { ok: false, reason: `file has ${fileSize} bytes, header says segment size ${header.segmentSize}` };
  }
  const expected = segmentStartLsn(wal, header.segmentSize);
  if (header.pageAddress !== expected) {
    return { ok: false, reason: `page address ${formatLsn(header.pageAddress)} is not ${formatLsn(expected)}` };
  }
  if (header.timeline < 1 || header.timeline > wal.timeline) {
    return { ok: false, reason: `header timeline ${header.timeline} does not fit name timeline ${wal.timeline}` };
  }
  return { ok: true, header };
}

/** What a foreign segment carries and what was expected, for messages that name both (decimal). */
export interface IdentifierMismatch {
  found: bigint;
  expected: bigint;
}

export type SegmentValidation = SegmentCheck | { ok: false; reason: string; mismatch: IdentifierMismatch };

/**
 * checkSegment, then the system identifier (SPEC §7): a segment with the right name and page address
 * can still come from another cluster (a clone, a re-used server name), and replaying it corrupts the
 * cluster. Every delivery and upload validates through here. `expected` undefined: not checked, the
 * caller could not learn which cluster the segment is for and says so itself.
 */
export function validateSegment(wal: WalName, head: Buffer, fileSize: number, expected: bigint | undefined): SegmentValidation {
  const check = checkSegment(wal, head, fileSize);
  if (!check.ok || expected === undefined || check.header.systemIdentifier === expected) return check;
  const found = check.header.systemIdentifier;
  return { ok: false, reason: `its header has system identifier ${found}, expected ${expected}`, mismatch: { found, expected } };
}

export const formatLsn = (lsn: bigint): string =>
  `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
