// The prefetch worker's pipeline: up to JOBS fetches in flight, a newer request re-plans without
// waiting for running fetches, and one more look after releasing the lock.
import { describe, expect, it } from 'vitest';
import { runPrefetchPipeline, type PipelineSteps } from '../../../../src/restore/prefetch/loop.js';

interface Harness {
  steps: PipelineSteps<string>;
  events: string[];
  maxInflight(): number;
}

/**
 * A scripted worker. `requests` is what readRequest returns on successive calls (the last one
 * repeats); plans map a request to names; every fetch takes `fetchTicks` sleeps of the fake clock.
 */
function harness(
  requests: (string | undefined)[],
  plans: Record<string, string[]>,
  options: { fetchTicks?: number; lockFree?: boolean[]; skipPlanFor?: string[] } = {},
): Harness {
  const events: string[] = [];
  let reads = 0;
  let acquires = 0;
  let clock = 0;
  let inflight = 0;
  let maxInflight = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const tick = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      waiters.push({ at: clock + ms, resolve });
      // Advance the fake clock to the earliest waiter, asynchronously, so fetches interleave.
      setImmediate(() => {
        waiters.sort((a, b) => a.at - b.at);
        const next = waiters.shift();
        if (!next) return;
        clock = Math.max(clock, next.at);
        next.resolve();
      });
    });
  const steps: PipelineSteps<string> = {
    acquire: async () => {
      const free = options.lockFree?.[acquires++] ?? true;
      if (!free) return undefined;
      events.push('lock');
      return { release: async () => void events.push('release') };
    },
    readRequest: async () => requests[Math.min(reads++, requests.length - 1)],
    keyOf: (request) => request,
    needsPlan: async (request) => !(options.skipPlanFor ?? []).includes(request),
    plan: async (request) => {
      events.push(`plan ${request}`);
      return plans[request] ?? [];
    },
    fetch: async (name) => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      events.push(`start ${name}`);
      for (let i = 0; i < (options.fetchTicks ?? 3); i++) await tick(10);
      inflight--;
      events.push(`done ${name}`);
    },
    sleep: (ms) => tick(ms),
    now: () => clock,
  };
  return { steps, events, maxInflight: () => maxInflight };
}

const limits = { jobs: 2, pollMs: 5, idleMs: 0, maxMs: 100_000 };

describe('runPrefetchPipeline', () => {
  it('fetches the planned names, at most JOBS at a time, then stops', async () => {
    const h = harness(['A'], { A: ['1', '2', '3', '4'] });
    expect(await runPrefetchPipeline(h.steps, limits)).toEqual({ plans: 1, fetches: 4 });
    expect(h.maxInflight()).toBe(2);
    expect(h.events.filter((e) => e.startsWith('start'))).toEqual(['start 1', 'start 2', 'start 3', 'start 4']);
    expect(h.events.at(-1)).toBe('release');
  });

  it('re-plans for a newer request while fetches are still running, and drops the stale queue', async () => {
    // A's plan queues 1..4; B arrives while 1 and 2 run; B's plan (3, 5) replaces 3, 4.
    const h = harness(['A', 'A', 'B'], { A: ['1', '2', '3', '4'], B: ['2', '3', '5'] }, { fetchTicks: 5 });
    const report = await runPrefetchPipeline(h.steps, limits);
    const started = h.events.filter((e) => e.startsWith('start'));
    expect(started).toEqual(['start 1', 'start 2', 'start 3', 'start 5']);
    expect(report.plans).toBe(2);
    // The plan for B came before the fetches of A had finished.
    expect(h.events.indexOf('plan B')).toBeLessThan(h.events.indexOf('done 2'));
  });

  it('looks again after releasing and serves a request that arrived in between', async () => {
    // Reads: A (plan; nothing to fetch, so idle → release), B (after release: new) → lock again, B (plan)...
    const h = harness(['A', 'B'], { A: [], B: ['9'] });
    await runPrefetchPipeline(h.steps, limits);
    expect(h.events).toEqual(['lock', 'plan A', 'release', 'lock', 'plan B', 'start 9', 'done 9', 'release']);
  });

  it('does nothing when another worker holds the lock', async () => {
    const h = harness(['A'], { A: ['1'] }, { lockFree: [false] });
    expect(await runPrefetchPipeline(h.steps, limits)).toEqual({ plans: 0, fetches: 0 });
    expect(h.events).toEqual([]);
  });

  it('does nothing without a request', async () => {
    const h = harness([undefined], {});
    expect(await runPrefetchPipeline(h.steps, limits)).toEqual({ plans: 0, fetches: 0 });
  });

  it('plans no more after its lifetime, but lets running fetches finish', async () => {
    let n = 0;
    const h = harness([], {});
    h.steps.readRequest = async () => `R${n++}`;
    h.steps.plan = async (request) => [request];
    const report = await runPrefetchPipeline(h.steps, { jobs: 1, pollMs: 5, idleMs: 0, maxMs: 200 });
    expect(report.plans).toBeGreaterThan(0);
    expect(report.plans).toBeLessThan(50);
    expect(h.events.filter((e) => e.startsWith('start')).length).toBe(h.events.filter((e) => e.startsWith('done')).length);
  });

  it('does not plan for a request while the window ahead of it is still full', async () => {
    const h = harness(['A', 'B', 'C'], { A: ['1', '2'], B: ['3'], C: ['4'] }, { skipPlanFor: ['B'], fetchTicks: 2 });
    await runPrefetchPipeline(h.steps, limits);
    expect(h.events.filter((e) => e.startsWith('plan'))).toEqual(['plan A', 'plan C']);
    expect(h.events.filter((e) => e.startsWith('start'))).toEqual(['start 1', 'start 2', 'start 4']);
  });

  it('lingers when idle and serves a request that arrives within idleMs without a new lock', async () => {
    // Reads: A (plan, nothing to fetch), then A for a while, then B: the same worker serves B.
    const h = harness(['A', 'A', 'A', 'A', 'B'], { A: [], B: ['7'] });
    await runPrefetchPipeline(h.steps, { ...limits, idleMs: 1_000 });
    expect(h.events).toEqual(['lock', 'plan A', 'plan B', 'start 7', 'done 7', 'release']);
  });

  it('survives a fetch step that rejects', async () => {
    const h = harness(['A'], { A: ['1', '2'] });
    h.steps.fetch = async (name) => {
      if (name === '1') throw new Error('boom');
    };
    expect(await runPrefetchPipeline(h.steps, limits)).toEqual({ plans: 1, fetches: 2 });
  });

  it('an idle worker sweeps what nobody claimed before it releases the lock (issue 10)', async () => {
    const h = harness(['A'], { A: ['1'] });
    h.steps.sweep = async () => void h.events.push('sweep');
    await runPrefetchPipeline(h.steps, limits);
    expect(h.events).toEqual(['lock', 'plan A', 'start 1', 'done 1', 'sweep', 'release']);
  });

  it('stays past idleMs while lingers() says so (unclaimed segments, recovery going on), up to holdMs, then sweeps', async () => {
    const h = harness(['A'], { A: ['1'] });
    let asked = 0;
    h.steps.lingers = async () => (asked++, true);
    let sweptAt = -1;
    h.steps.sweep = async () => void (sweptAt = h.steps.now());
    await runPrefetchPipeline(h.steps, { ...limits, idleMs: 100, holdMs: 1_000 });
    expect(asked).toBeGreaterThan(1);
    expect(sweptAt).toBeGreaterThanOrEqual(1_000);
  });

  it('stops at idleMs when lingers() says recovery is over or nothing is held', async () => {
    const h = harness(['A'], { A: ['1'] });
    h.steps.lingers = async () => false;
    let sweptAt = -1;
    h.steps.sweep = async () => void (sweptAt = h.steps.now());
    await runPrefetchPipeline(h.steps, { ...limits, idleMs: 100, holdMs: 1_000 });
    expect(sweptAt).toBeGreaterThanOrEqual(100);
    expect(sweptAt).toBeLessThan(1_000);
  });

  it('does not sweep at the end of its lifetime: the next worker still finds those segments useful', async () => {
    let n = 0;
    const h = harness([], {});
    h.steps.readRequest = async () => `R${n++}`;
    h.steps.plan = async (request) => [request];
    h.steps.sweep = async () => void h.events.push('sweep');
    await runPrefetchPipeline(h.steps, { jobs: 1, pollMs: 5, idleMs: 0, maxMs: 200 });
    expect(h.events).not.toContain('sweep');
  });
});

