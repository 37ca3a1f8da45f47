// The restore agent's cursor, drop and publish rules (design §3.1, §3.2), as pure functions.
import { describe, expect, it } from 'vitest';
import { requireWalName, type WalName } from '../../../../src/wal/name.js';
import { cursorOf, isWanted, nextFetches, publishRefusal, queueSlots, type MarkerView } from '../../../../src/restore/agent/rules.js';

const MiB = 1024 * 1024;
const w = (tli: number, seg: number): WalName => requireWalName(`${tli.toString(16).toUpperCase().padStart(8, '0')}00000000${seg.toString(16).toUpperCase().padStart(8, '0')}`);
const view = (cursor: WalName | undefined, asked: WalName[] = [], served: WalName[] = []): MarkerView => ({
  cursor,
  asked: new Set(asked.map((x) => x.name)),
  served: new Set([...served, ...(cursor ? [cursor] : [])].map((x) => x.name)),
  askedMax: asked.reduce<WalName | undefined>((best, x) => (best === undefined || x.seg > best.seg ? x : best), undefined),
});
const fetched = (wal: WalName, extra: Partial<{ aborted: boolean; size: number; sysid: bigint }> = {}) => ({
  wal, aborted: extra.aborted ?? false, size: extra.size ?? 16 * MiB, headerSegmentSize: 16 * MiB, headerSysid: extra.sysid ?? 42n,
});

describe('cursor', () => {
  it('is the newest served marker by mtime, not the highest name', () => {
    expect(cursorOf([{ wal: w(1, 9), mtimeNs: 1n }, { wal: w(2, 5), mtimeNs: 3n }, { wal: w(1, 4), mtimeNs: 2n }])?.name).toBe(w(2, 5).name);
    expect(cursorOf([{ wal: w(1, 4), mtimeNs: 5n }, { wal: w(1, 5), mtimeNs: 5n }])?.name).toBe(w(1, 5).name);
    expect(cursorOf([])).toBeUndefined();
  });
});

describe('what the queue may hold', () => {
  it('only segments after the cursor on its timeline; nothing before the first served marker', () => {
    expect(isWanted(w(1, 6), view(w(1, 5)))).toBe(true);
    expect(isWanted(w(1, 5), view(w(1, 5)))).toBe(false);
    expect(isWanted(w(1, 4), view(w(1, 5)))).toBe(false);
    expect(isWanted(w(2, 6), view(w(1, 5)))).toBe(false);
    expect(isWanted(w(1, 6), view(undefined))).toBe(false);
  });

  it('a new served timeline drops every segment of the other timelines', () => {
    const after = view(w(2, 6));
    expect([w(1, 7), w(1, 8), w(2, 7)].filter((x) => isWanted(x, after)).map((x) => x.name)).toEqual([w(2, 7).name]);
  });

  it('a timeline probe that missed (asked/ on a newer timeline) does not switch timeline or drop the next segment', () => {
    const probed = view(w(1, 5), [w(2, 6)]);
    expect(isWanted(w(1, 6), probed)).toBe(true);
    expect(isWanted(w(1, 7), probed)).toBe(true);
    expect(isWanted(w(2, 6), probed)).toBe(false);
  });

  it('a segment a Node call asked for, or anything before what PostgreSQL asked for, is never held', () => {
    const asked = view(w(1, 5), [w(1, 8)]);
    expect(isWanted(w(1, 8), asked)).toBe(false);
    expect(isWanted(w(1, 6), asked)).toBe(false);
    expect(isWanted(w(1, 7), asked)).toBe(false);
    expect(isWanted(w(1, 9), asked)).toBe(true);
  });
});

describe('byte bound', () => {
  it('holds --queue-max bytes at segment size, never fewer than JOBS+1 segments', () => {
    expect(queueSlots(256 * MiB, 16 * MiB, 4)).toBe(16);
    expect(queueSlots(16 * MiB, 16 * MiB, 4)).toBe(5);
    expect(queueSlots(1, 64 * MiB, 0)).toBe(2);
  });

  it('starts fetches only into free slots and free jobs, in stream order, skipping ready and in-flight names', () => {
    const planned = [6, 7, 8, 9, 10, 11, 12].map((seg) => w(1, seg));
    const at5 = view(w(1, 5));
    const names = (ready: number[], inflight: number[], slots: number, jobs: number) =>
      nextFetches({ ready: new Set(ready.map((s) => w(1, s).name)), inflight: new Set(inflight.map((s) => w(1, s).name)), planned, slots, jobs }, at5).map((x) => x.seg);
    expect(names([], [], 5, 4)).toEqual([6, 7, 8, 9]);
    expect(names([6, 7], [8], 5, 4)).toEqual([9, 10]);
    expect(names([6, 7, 8, 9], [10], 5, 4)).toEqual([]); // the byte bound: 5 held
    expect(names([], [6, 7], 5, 2)).toEqual([]); // the job bound
  });
});

describe('publish gate', () => {
  const gate = (v: MarkerView, sysid: bigint | 'unreadable' = 42n) => ({ view: v, segmentSize: 16 * MiB, clusterSysid: sysid === 'unreadable' ? undefined : sysid });

  it('publishes a complete segment after the cursor with the cluster system identifier', () => {
    expect(publishRefusal(fetched(w(1, 6)), gate(view(w(1, 5))))).toBeUndefined();
  });

  it('the late-publish race (issue 9): a fetch finishing after the request moved on is never published', () => {
    // PostgreSQL stopped waiting and a Node call fetched 6 itself: asked/6, then served/6.
    expect(publishRefusal(fetched(w(1, 6)), gate(view(w(1, 5), [w(1, 6)])))).toMatch(/no longer wanted/);
    expect(publishRefusal(fetched(w(1, 6)), gate(view(w(1, 6))))).toMatch(/no longer wanted/);
    // PostgreSQL is already past it.
    expect(publishRefusal(fetched(w(1, 6)), gate(view(w(1, 7))))).toMatch(/no longer wanted/);
    expect(publishRefusal(fetched(w(1, 6), { aborted: true }), gate(view(w(1, 5))))).toMatch(/aborted/);
  });

  it('refuses a wrong size, a foreign system identifier, or an unreadable pg_control', () => {
    expect(publishRefusal(fetched(w(1, 6), { size: 8 * MiB }), gate(view(w(1, 5))))).toMatch(/size/);
    expect(publishRefusal(fetched(w(1, 6), { sysid: 7n }), gate(view(w(1, 5))))).toMatch(/system identifier 7/);
    expect(publishRefusal(fetched(w(1, 6)), gate(view(w(1, 5)), 'unreadable'))).toMatch(/pg_control/);
  });
});
