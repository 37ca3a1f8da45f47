// Is every segment there? Per timeline, from where it began (its .history file's switch point, or
// its oldest segment) to where it ended (a child's switch point, or its newest segment). A timeline
// switch is therefore not a gap, and a segment missing before a switch point is. Pure: segment
// numbers in, gaps out, for any segment size from 1 MiB to 1 GiB.

import { segmentFileName, segmentsPerLog } from '../wal/name.js';
import type { HistoryEntry } from '../store/history.js';

export interface Gap {
  readonly timeline: number;
  readonly first: string;
  readonly last: string;
  readonly count: number;
}

export interface TimelineSpan {
  readonly timeline: number;
  /** First and last segment number this timeline must hold (after the floor); first > last: none. */
  readonly first: number;
  readonly last: number;
  readonly present: number;
}

export interface ContinuityInput {
  /** Segment numbers (log * segments per log + seg) per timeline, full segments only. */
  readonly segments: ReadonlyMap<number, readonly number[]>;
  readonly histories: ReadonlyMap<number, readonly HistoryEntry[]>;
  readonly segmentSize: number;
  /** Nothing before this segment number is needed (the oldest backup's start); default: the oldest segment. */
  readonly floor?: number | undefined;
}

export interface Continuity {
  readonly gaps: Gap[];
  readonly spans: TimelineSpan[];
  /** Odd but not missing: a timeline with no history file, one that went on after a child branched off. */
  readonly notes: string[];
}

export const segmentNumber = (log: number, seg: number, segmentSize: number): number => log * segmentsPerLog(segmentSize) + seg;

export const nameOfNumber = (timeline: number, segno: number, segmentSize: number): string => {
  const perLog = segmentsPerLog(segmentSize);
  return segmentFileName(timeline, Math.floor(segno / perLog), segno % perLog);
};

/** The segment that holds `lsn`; the child timeline's first segment, since PostgreSQL copies it there. */
const segmentOf = (lsn: bigint, segmentSize: number): number => Number(lsn / BigInt(segmentSize));

/**
 * Where each timeline began and the last segment it must hold, from every history file: a history
 * lists the whole ancestry, so 3.history also says where timeline 2 began even when 2.history is
 * gone. A timeline ends at the segment before the switch segment, which the child holds.
 */
function boundsFromHistories(histories: ContinuityInput['histories'], segmentSize: number): { starts: Map<number, number>; ends: Map<number, number> } {
  const starts = new Map<number, number>();
  const ends = new Map<number, number>();
  for (const [timeline, entries] of histories) {
    entries.forEach((entry, index) => {
      ends.set(entry.timeline, Math.max(ends.get(entry.timeline) ?? -1, segmentOf(entry.switchLsn, segmentSize) - 1));
      const before = entries[index - 1];
      if (before !== undefined) starts.set(entry.timeline, segmentOf(before.switchLsn, segmentSize));
    });
    const parent = entries.at(-1);
    if (parent !== undefined) starts.set(timeline, segmentOf(parent.switchLsn, segmentSize));
  }
  return { starts, ends };
}

/** Missing numbers of a sorted list within [first, last], as ranges. */
function missingRanges(sorted: readonly number[], first: number, last: number): [number, number][] {
  const ranges: [number, number][] = [];
  let expected = first;
  for (const segno of sorted) {
    if (segno < first) continue;
    if (segno > last) break;
    if (segno > expected) ranges.push([expected, segno - 1]);
    expected = Math.max(expected, segno + 1);
  }
  if (expected <= last) ranges.push([expected, last]);
  return ranges;
}

export function findGaps(input: ContinuityInput): Continuity {
  const { segments, histories, segmentSize } = input;
  const { starts, ends: childEnds } = boundsFromHistories(histories, segmentSize);
  const timelines = new Set<number>([...segments.keys(), ...starts.keys(), ...childEnds.keys()]);
  const oldest = Math.min(...[...segments.values()].flatMap((list) => (list.length > 0 ? [list[0] as number] : [])));
  const floor = input.floor ?? (Number.isFinite(oldest) ? oldest : 0);
  const gaps: Gap[] = [];
  const spans: TimelineSpan[] = [];
  const notes: string[] = [];
  for (const timeline of [...timelines].sort((a, b) => a - b)) {
    const list = segments.get(timeline) ?? [];
    if (timeline > 1 && !histories.has(timeline)) notes.push(`timeline ${timeline} has no history file in the archive`);
    const start = starts.get(timeline) ?? list[0];
    const childEnd = childEnds.get(timeline);
    const newest = list.at(-1);
    if (childEnd !== undefined && newest !== undefined && newest > childEnd) {
      notes.push(`timeline ${timeline} has segments up to ${nameOfNumber(timeline, newest, segmentSize)}, past the switch point of a later timeline (its last whole segment is ${nameOfNumber(timeline, childEnd, segmentSize)}): WAL written there is not on the newer timeline (split brain, or a failover that lost transactions?)`);
    }
    const last = Math.max(childEnd ?? -1, newest ?? -1);
    if (start === undefined || last < 0) continue;
    const first = Math.max(start, floor);
    spans.push({ timeline, first, last, present: list.filter((segno) => segno >= first && segno <= last).length });
    for (const [from, to] of missingRanges(list, first, last)) {
      gaps.push({ timeline, first: nameOfNumber(timeline, from, segmentSize), last: nameOfNumber(timeline, to, segmentSize), count: to - from + 1 });
    }
  }
  return { gaps, spans, notes };
}
