// The agent ships in PostgreSQL's own order, want/ first, in streams bounded by count and bytes.
import { describe, expect, it } from 'vitest';
import { orderCandidates, planBatch } from '../../../../src/archive/agent/plan-batches.js';

const S = (n: number): string => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, '0')}`;

describe('orderCandidates', () => {
  it('puts history files first, then names in order, as pgarch_readyXlog does', () => {
    expect(orderCandidates([S(3), '00000002.history', S(1), S(2)], new Set())).toEqual(['00000002.history', S(1), S(2), S(3)]);
  });

  it('puts the names a call is waiting for (want/) before everything', () => {
    expect(orderCandidates([S(1), S(2), '00000002.history', S(3)], new Set([S(3)]))).toEqual([S(3), '00000002.history', S(1), S(2)]);
  });

  it('drops anything that is not a WAL file name', () => {
    expect(orderCandidates([S(1), '../etc', 'x.tmp', `${S(2)}.partial`], new Set())).toEqual([S(1), `${S(2)}.partial`]);
  });
});

describe('planBatch', () => {
  const sized = [1, 2, 3, 4, 5].map((n) => ({ name: S(n), size: 16 << 20 }));

  it('takes the next run up to --batch files', () => {
    expect(planBatch(sized, { maxFiles: 3, maxBytes: 1 << 30 }, new Set())).toEqual([S(1), S(2), S(3)]);
  });

  it('stops before the byte limit, but a single large file still goes', () => {
    expect(planBatch(sized, { maxFiles: 16, maxBytes: 40 << 20 }, new Set())).toEqual([S(1), S(2)]);
    expect(planBatch(sized, { maxFiles: 16, maxBytes: 1 << 20 }, new Set())).toEqual([S(1)]);
  });

  it('ships a file whose batch was refused alone, and never takes one along', () => {
    expect(planBatch(sized, { maxFiles: 16, maxBytes: 1 << 30 }, new Set([S(1)]))).toEqual([S(1)]);
    expect(planBatch(sized, { maxFiles: 3, maxBytes: 1 << 30 }, new Set([S(2)]))).toEqual([S(1), S(3), S(4)]);
  });

  it('plans nothing from nothing', () => {
    expect(planBatch([], { maxFiles: 16, maxBytes: 1 << 30 }, new Set())).toEqual([]);
  });
});
