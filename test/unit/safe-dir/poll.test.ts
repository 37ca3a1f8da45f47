// The wait loop of `check --wait`: steps, deadline, first-probe behaviour.
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../../src/safe-dir/poll.js';

/** A clock that only moves when the loop sleeps, so every step is observable. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let t = 1_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe('the safe-dir wait loop', () => {
  it('probes exactly once when there is no time to wait', async () => {
    const clock = fakeClock();
    let probes = 0;
    const found = await pollUntil(async () => {
      probes++;
      return undefined;
    }, { timeoutMs: 0, ...clock });
    expect(found).toBeUndefined();
    expect(probes).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('returns the first value without sleeping when it is already there', async () => {
    const clock = fakeClock();
    expect(await pollUntil(async () => 'marker', { timeoutMs: 5_000, ...clock })).toBe('marker');
    expect(clock.sleeps).toEqual([]);
  });

  it('backs off 100, 200, 400, then 500 ms steps and probes last exactly at the deadline', async () => {
    const clock = fakeClock();
    const probedAt: number[] = [];
    const found = await pollUntil(async () => {
      probedAt.push(clock.now());
      return undefined;
    }, { timeoutMs: 2_000, ...clock });
    expect(found).toBeUndefined();
    expect(clock.sleeps).toEqual([100, 200, 400, 500, 500, 300]);
    expect(probedAt.at(-1)).toBe(1_000 + 2_000);
  });

  it('stops as soon as a later probe finds the value', async () => {
    const clock = fakeClock();
    let probes = 0;
    const found = await pollUntil(async () => (++probes === 3 ? 42 : undefined), { timeoutMs: 60_000, ...clock });
    expect(found).toBe(42);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('honours custom steps', async () => {
    const clock = fakeClock();
    await pollUntil(async () => undefined, { timeoutMs: 1_000, firstStepMs: 250, maxStepMs: 300, ...clock });
    expect(clock.sleeps).toEqual([250, 300, 300, 150]);
  });

  it('waits on the real clock when no clock is injected', async () => {
    const started = Date.now();
    let probes = 0;
    const found = await pollUntil(async () => (++probes === 2 ? 'late' : undefined), { timeoutMs: 5_000 });
    expect(found).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
