import { describe, expect, it } from 'vitest';
import {
  hashDir,
  nextSegment,
  nextSegmentCandidates,
  parseWalName,
  requireWalName,
  segmentFileName,
  segmentStartLsn,
  segmentsPerLog,
} from '../../../src/wal/name.js';

describe('WAL names (SPEC §3)', () => {
  it('parses a segment into timeline, log and segment', () => {
    expect(parseWalName('0000000200000003000000A4')).toEqual({ name: '0000000200000003000000A4', kind: 'segment', timeline: 2, log: 3, seg: 0xa4 });
  });

  it('classifies partial, backup and history names', () => {
    expect(parseWalName('000000010000000000000005.partial')?.kind).toBe('partial');
    expect(parseWalName('000000010000000000000005.00000028.backup')?.kind).toBe('backup');
    expect(parseWalName('00000003.history')).toMatchObject({ kind: 'history', timeline: 3 });
  });

  it.each(['', '../x', 'x;y', '00000001000000000000000', '0000000100000000000000001', '00000001000000000000000G', '000000000000000000000001', '00000000.history', '000000010000000000000001.backup', '000000010000000000000001.partial.x', '/000000010000000000000001', '000000010000000000000001\n'])(
    'rejects %j',
    (bad) => {
      expect(parseWalName(bad)).toBeUndefined();
      expect(() => requireWalName(bad)).toThrow(/is not a valid WAL file name/);
    },
  );

  it('puts segments, partials and backups under their first 16 characters and history at the top', () => {
    expect(hashDir(requireWalName('0000000100000002000000FF'))).toBe('0000000100000002');
    expect(hashDir(requireWalName('000000010000000200000001.00000028.backup'))).toBe('0000000100000002');
    expect(hashDir(requireWalName('00000002.history'))).toBeUndefined();
  });

  it('formats segment names in upper case', () => {
    expect(segmentFileName(10, 0xab, 0xc)).toBe('0000000A000000AB0000000C');
  });

  it.each([
    [1 << 20, 4096, '000000010000000000000FFF', '000000010000000100000000'],
    [16 << 20, 256, '0000000100000000000000FF', '000000010000000100000000'],
    [16 << 20, 256, '0000000100000000000000FE', '0000000100000000000000FF'],
    [64 << 20, 64, '00000001000000070000003F', '000000010000000800000000'],
    [1 << 30, 4, '000000010000000000000003', '000000010000000100000000'],
    [1 << 30, 4, '000000010000000000000002', '000000010000000000000003'],
  ])('with %i-byte segments (%i per log) the segment after %s is %s', (size, perLog, from, to) => {
    expect(segmentsPerLog(size)).toBe(perLog);
    expect(nextSegment(requireWalName(from), size).name).toBe(to);
  });

  it('offers the next log as a candidate only at a possible segments-per-log boundary', () => {
    expect(nextSegmentCandidates(requireWalName('000000010000000000000003')).map((w) => w.name)).toEqual([
      '000000010000000000000004',
      '000000010000000100000000',
    ]);
    expect(nextSegmentCandidates(requireWalName('0000000100000000000000FF')).map((w) => w.name)).toEqual([
      '000000010000000000000100',
      '000000010000000100000000',
    ]);
    expect(nextSegmentCandidates(requireWalName('000000010000000000000004')).map((w) => w.name)).toEqual(['000000010000000000000005']);
    expect(nextSegmentCandidates(requireWalName('000000010000000000001FFF')).map((w) => w.name)).toEqual(['000000010000000000002000']);
  });

  it('computes the start LSN a segment header must carry', () => {
    expect(segmentStartLsn(requireWalName('0000000100000003000000A4'), 16 << 20)).toBe((3n << 32n) + 0xa4n * (16n << 20n));
  });
});
