import { describe, expect, it } from 'vitest';
import { checkSegment, formatLsn, readSegmentHeader, validateSegment } from '../../../src/wal/header.js';
import { requireWalName, segmentStartLsn } from '../../../src/wal/name.js';

/** A long page header as PostgreSQL 15 writes it (magic 0xD110, XLP_LONG_HEADER). */
function header(fields: { magic?: number; info?: number; tli: number; pageAddress: bigint; segSize: number }): Buffer {
  const buf = Buffer.alloc(40);
  buf.writeUInt16LE(fields.magic ?? 0xd110, 0);
  buf.writeUInt16LE(fields.info ?? 0x0002, 2);
  buf.writeUInt32LE(fields.tli, 4);
  buf.writeBigUInt64LE(fields.pageAddress, 8);
  buf.writeBigUInt64LE(7303539130826567678n, 24);
  buf.writeUInt32LE(fields.segSize, 32);
  buf.writeUInt32LE(8192, 36);
  return buf;
}

const SIXTEEN = 16 << 20;
const wal = requireWalName('0000000200000003000000A4');
const start = segmentStartLsn(wal, SIXTEEN);

describe('segment page header check', () => {
  it('accepts a complete segment whose header matches its name', () => {
    const result = checkSegment(wal, header({ tli: 2, pageAddress: start, segSize: SIXTEEN }), SIXTEEN);
    expect(result.ok).toBe(true);
    expect(readSegmentHeader(header({ tli: 2, pageAddress: start, segSize: SIXTEEN }))?.systemIdentifier).toBe(7303539130826567678n);
  });

  it('accepts an older timeline in the header: a new timeline starts with a copy of the old segment', () => {
    expect(checkSegment(wal, header({ tli: 1, pageAddress: start, segSize: SIXTEEN }), SIXTEEN).ok).toBe(true);
  });

  it.each([
    ['a short file', header({ tli: 2, pageAddress: start, segSize: SIXTEEN }), SIXTEEN - 8192, /file has 16769024 bytes/],
    ['another segment', header({ tli: 2, pageAddress: start + BigInt(SIXTEEN), segSize: SIXTEEN }), SIXTEEN, /page address 3\/A5000000 is not 3\/A4000000/],
    ['a later timeline', header({ tli: 3, pageAddress: start, segSize: SIXTEEN }), SIXTEEN, /header timeline 3/],
    ['no long header', header({ info: 0, tli: 2, pageAddress: start, segSize: SIXTEEN }), SIXTEEN, /no long page header/],
    ['zeros', Buffer.alloc(40), SIXTEEN, /no long page header/],
    ['a foreign magic', header({ magic: 0x1234, tli: 2, pageAddress: start, segSize: SIXTEEN }), SIXTEEN, /not a WAL magic/],
    ['a bad segment size', header({ tli: 2, pageAddress: start, segSize: 3 << 20 }), 3 << 20, /not a power of two/],
  ])('rejects %s', (_what, head, size, reason) => {
    const result = checkSegment(wal, head, size);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('formats LSNs like PostgreSQL', () => {
    expect(formatLsn(start)).toBe('3/A4000000');
  });
});

describe('validateSegment: the header check plus the system identifier (SPEC §7, issue 8)', () => {
  const complete = header({ tli: 2, pageAddress: start, segSize: SIXTEEN });

  it('accepts a segment of the expected cluster, and any cluster when none is expected', () => {
    expect(validateSegment(wal, complete, SIXTEEN, 7303539130826567678n).ok).toBe(true);
    expect(validateSegment(wal, complete, SIXTEEN, undefined).ok).toBe(true);
  });

  it('refuses a segment of another cluster, naming both identifiers in decimal', () => {
    const result = validateSegment(wal, complete, SIXTEEN, 42n);
    expect(result).toEqual({
      ok: false,
      reason: 'its header has system identifier 7303539130826567678, expected 42',
      mismatch: { found: 7303539130826567678n, expected: 42n },
    });
  });

  it('reports the header check first: a truncated foreign segment is refused as truncated', () => {
    const result = validateSegment(wal, complete, SIXTEEN / 2, 42n);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toMatch(/file has 8388608 bytes/);
    expect('mismatch' in result).toBe(false);
  });
});
