// findGaps: per timeline, following history files, for every segment size (SPEC §3).
import { describe, expect, it } from 'vitest';
import { findGaps, nameOfNumber } from '../../../src/check/continuity.js';
import type { HistoryEntry } from '../../../src/store/history.js';

const MiB = 1 << 20;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const lsnOf = (segno: number, size: number, offset = 0): bigint => BigInt(segno) * BigInt(size) + BigInt(offset);

describe('continuity per timeline (issue 12)', () => {
  it('a missing run is one gap with its exact first and last names', () => {
    const segments = new Map([[1, [...range(1, 9), ...range(13, 20)]]]);
    const { gaps } = findGaps({ segments, histories: new Map(), segmentSize: 16 * MiB });
    expect(gaps).toEqual([{ timeline: 1, first: '00000001000000000000000A', last: '00000001000000000000000C', count: 3 }]);
  });

  it('a promotion is not a gap: timeline 1 ends before the switch segment, timeline 2 starts in it', () => {
    const histories = new Map<number, HistoryEntry[]>([[2, [{ timeline: 1, switchLsn: lsnOf(10, 16 * MiB, 0x1000) }]]]);
    const segments = new Map([[1, range(1, 9)], [2, range(10, 15)]]);
    const result = findGaps({ segments, histories, segmentSize: 16 * MiB });
    expect(result.gaps).toEqual([]);
    expect(result.notes).toEqual([]);
  });

  it('a segment missing before the switch point is a gap on the old timeline', () => {
    const histories = new Map<number, HistoryEntry[]>([[2, [{ timeline: 1, switchLsn: lsnOf(10, 16 * MiB, 0x1000) }]]]);
    const segments = new Map([[1, range(1, 8)], [2, range(10, 15)]]);
    expect(findGaps({ segments, histories, segmentSize: 16 * MiB }).gaps).toEqual([{ timeline: 1, first: '000000010000000000000009', last: '000000010000000000000009', count: 1 }]);
  });

  it("a grandchild's history says where an intermediate timeline began, even without its own history file", () => {
    const histories = new Map<number, HistoryEntry[]>([[3, [{ timeline: 1, switchLsn: lsnOf(10, 16 * MiB) }, { timeline: 2, switchLsn: lsnOf(20, 16 * MiB) }]]]);
    const segments = new Map([[1, range(1, 9)], [2, [...range(10, 14), ...range(16, 19)]], [3, range(20, 22)]]);
    const result = findGaps({ segments, histories, segmentSize: 16 * MiB });
    expect(result.gaps).toEqual([{ timeline: 2, first: '00000002000000000000000F', last: '00000002000000000000000F', count: 1 }]);
    expect(result.notes).toEqual(['timeline 2 has no history file in the archive']);
  });

  it.each([1, 16, 64, 1024])('at %i MiB, the segment after the last of a log is the first of the next log', (mib) => {
    const size = mib * MiB;
    const perLog = 0x1_0000_0000 / size;
    const around = range(perLog - 2, perLog + 1);
    expect(around.map((segno) => nameOfNumber(1, segno, size))).toEqual([
      `00000001000000000000${(perLog - 2).toString(16).toUpperCase().padStart(4, '0')}`,
      `00000001000000000000${(perLog - 1).toString(16).toUpperCase().padStart(4, '0')}`,
      '000000010000000100000000',
      '000000010000000100000001',
    ]);
    expect(findGaps({ segments: new Map([[1, around]]), histories: new Map(), segmentSize: size }).gaps).toEqual([]);
  });

  it('the floor (the oldest backup start) hides what is missing before it', () => {
    const segments = new Map([[1, [1, 2, ...range(5, 9)]]]);
    expect(findGaps({ segments, histories: new Map(), segmentSize: 16 * MiB, floor: 5 }).gaps).toEqual([]);
    expect(findGaps({ segments, histories: new Map(), segmentSize: 16 * MiB }).gaps).toHaveLength(1);
  });
});
