// WAL file names as a value type: parse, classify, hash directory, next segment (SPEC §3).
// No other module parses the 24 hex characters.

import { join } from 'node:path';
import { InvalidWalNameError } from '../errors.js';

export type WalKind = 'segment' | 'partial' | 'backup' | 'history';

export interface WalName {
  /** The name exactly as given (PostgreSQL writes upper case; Barman accepts either). */
  readonly name: string;
  readonly kind: WalKind;
  readonly timeline: number;
  /** Log and segment numbers; 0 for history files. */
  readonly log: number;
  readonly seg: number;
}

const HEX8 = '[0-9A-Fa-f]{8}';
const SEGMENT_RE = new RegExp(`^(${HEX8})(${HEX8})(${HEX8})(\\.partial|\\.${HEX8}\\.backup)?$`);
const HISTORY_RE = new RegExp(`^(${HEX8})\\.history$`);

export const MIN_SEGMENT_SIZE = 1 << 20;
export const MAX_SEGMENT_SIZE = 1 << 30;
const LOG_SPAN = 0x1_0000_0000;

/** Parses a WAL file name; undefined when it is not one. Timeline 0 does not exist. */
export function parseWalName(text: string): WalName | undefined {
  const seg = SEGMENT_RE.exec(text);
  if (seg) {
    const [, tli, log, num, suffix] = seg as unknown as [string, string, string, string, string | undefined];
    const kind: WalKind = suffix === undefined ? 'segment' : suffix === '.partial' ? 'partial' : 'backup';
    const timeline = parseInt(tli, 16);
    if (timeline === 0) return undefined;
    return { name: text, kind, timeline, log: parseInt(log, 16), seg: parseInt(num, 16) };
  }
  const hist = HISTORY_RE.exec(text);
  if (hist) {
    const timeline = parseInt(hist[1] as string, 16);
    if (timeline === 0) return undefined;
    return { name: text, kind: 'history', timeline, log: 0, seg: 0 };
  }
  return undefined;
}

/** Like parseWalName, but throws InvalidWalNameError with the offending value made printable. */
export function requireWalName(text: string, what = 'WAL file name'): WalName {
  const parsed = parseWalName(text);
  if (!parsed) throw new InvalidWalNameError(`${JSON.stringify(text)} is not a valid ${what}`);
  return parsed;
}

/** Directory under wals_directory holding this file: its first 16 characters; none for history files. */
export const hashDir = (wal: WalName): string | undefined =>
  wal.kind === 'history' ? undefined : wal.name.slice(0, 16);

/** Where the archive keeps this file: wals_directory/<hash dir>/<name>, or at the top for history files. */
export const archivedPath = (walsDirectory: string, wal: WalName): string => {
  const dir = hashDir(wal);
  return dir === undefined ? join(walsDirectory, wal.name) : join(walsDirectory, dir, wal.name);
};

/** The 24-character segment name (timeline, log, segment), upper case. */
export const segmentFileName = (timeline: number, log: number, seg: number): string =>
  [timeline, log, seg].map((n) => n.toString(16).toUpperCase().padStart(8, '0')).join('');

export const isValidSegmentSize = (size: number): boolean =>
  Number.isInteger(size) && size >= MIN_SEGMENT_SIZE && size <= MAX_SEGMENT_SIZE && (size & (size - 1)) === 0;

/** Segments in one log: 0x100000000 / segment size (256 for 16 MiB). */
export const segmentsPerLog = (segmentSize: number): number => LOG_SPAN / segmentSize;

/** The segment's start LSN; a real segment's first page header carries it as xlp_pageaddr. */
export const segmentStartLsn = (wal: WalName, segmentSize: number): bigint =>
  (BigInt(wal.log) << 32n) + BigInt(wal.seg) * BigInt(segmentSize);

function segmentAt(timeline: number, log: number, seg: number): WalName {
  const name = segmentFileName(timeline, log, seg);
  return { name, kind: 'segment', timeline, log, seg };
}

/** The segment after `wal` on its timeline, for a known segment size. */
export function nextSegment(wal: WalName, segmentSize: number): WalName {
  const perLog = segmentsPerLog(segmentSize);
  return wal.seg + 1 >= perLog
    ? segmentAt(wal.timeline, wal.log + 1, 0)
    : segmentAt(wal.timeline, wal.log, wal.seg + 1);
}

/**
 * Successor candidates when the segment size is unknown, most likely first: the next number
 * in the same log, then (only where seg+1 is a possible segments-per-log count, 4..4096) the
 * first segment of the next log. The caller keeps the first one that exists.
 */
export function nextSegmentCandidates(wal: WalName): WalName[] {
  const candidates = [segmentAt(wal.timeline, wal.log, wal.seg + 1)];
  const count = wal.seg + 1;
  const perLogMin = segmentsPerLog(MAX_SEGMENT_SIZE);
  const perLogMax = segmentsPerLog(MIN_SEGMENT_SIZE);
  if (count >= perLogMin && count <= perLogMax && (count & (count - 1)) === 0) {
    candidates.push(segmentAt(wal.timeline, wal.log + 1, 0));
  }
  return candidates;
}

/** Orders segment names of one timeline by position; history and backup names sort by text. */
export const compareWalNames = (a: WalName, b: WalName): number =>
  a.timeline - b.timeline || a.log - b.log || a.seg - b.seg || a.name.localeCompare(b.name);
