// The bounded wait for a segment the prefetch worker is fetching right now.
import { describe, expect, it } from 'vitest';
import { awaitInflight, type InflightProbe } from '../../../../src/restore/prefetch/await-inflight.js';

const limits = { maxMs: 1000, stallMs: 100, pollMs: 10 };

/** A probe that replays a timeline: each poll advances the fake clock by pollMs. */
function scripted(sizes: (number | undefined)[], publishedAt: number | undefined) {
  let polls = 0;
  let clock = 0;
  const probe: InflightProbe = {
    inflightSize: async () => sizes[Math.min(polls, sizes.length - 1)],
    published: async () => publishedAt !== undefined && polls >= publishedAt,
  };
  const sleep = async (ms: number) => {
    clock += ms;
    polls++;
  };
  return { probe, now: () => clock, sleep, polls: () => polls };
}

describe('awaitInflight', () => {
  it('returns none at once when nothing is in flight', async () => {
    const s = scripted([undefined], undefined);
    expect(await awaitInflight(s.probe, limits, s.now, s.sleep)).toBe('none');
    expect(s.polls()).toBe(0);
  });

  it('waits while the temp file grows and returns published after the rename', async () => {
    const s = scripted([10, 20, 30, 40, undefined], 4);
    expect(await awaitInflight(s.probe, limits, s.now, s.sleep)).toBe('published');
  });

  it('gives up when the temp file stops growing', async () => {
    const s = scripted([10, 20, 20], undefined);
    expect(await awaitInflight(s.probe, limits, s.now, s.sleep)).toBe('stalled');
    expect(s.now()).toBeLessThanOrEqual(limits.stallMs + 2 * limits.pollMs);
  });

  it('gives up after maxMs even while bytes still arrive', async () => {
    const growing = Array.from({ length: 500 }, (_, i) => i + 1);
    const s = scripted(growing, undefined);
    expect(await awaitInflight(s.probe, limits, s.now, s.sleep)).toBe('timeout');
    expect(s.now()).toBeLessThanOrEqual(limits.maxMs + limits.pollMs);
  });

  it('returns gone when the writer disappears without publishing (killed worker)', async () => {
    const s = scripted([10, 20, undefined], undefined);
    expect(await awaitInflight(s.probe, limits, s.now, s.sleep)).toBe('gone');
  });

  it('sees a segment published between the first look and the wait', async () => {
    const s = scripted([undefined], 0);
    expect(await awaitInflight(s.probe, limits, s.now, s.sleep)).toBe('published');
  });
});
