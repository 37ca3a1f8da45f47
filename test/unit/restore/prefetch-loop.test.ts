// The prefetch worker's loop: rounds until the latest request is served, and one more look after
// releasing the lock for a request that arrived while it was held.
import { describe, expect, it } from 'vitest';
import { runPrefetchLoop, type LoopSteps } from '../../../src/restore/prefetch-loop.js';

function steps(requests: (string | undefined)[], options: { lockFree?: boolean[] } = {}) {
  const served: string[] = [];
  const events: string[] = [];
  let reads = 0;
  let acquires = 0;
  const s: LoopSteps<string> = {
    acquire: async () => {
      const free = options.lockFree?.[acquires++] ?? true;
      if (!free) return undefined;
      events.push('lock');
      return { release: async () => void events.push('release') };
    },
    readRequest: async () => requests[Math.min(reads++, requests.length - 1)],
    keyOf: (request) => request,
    round: async (request) => {
      served.push(request);
      events.push(`round ${request}`);
    },
  };
  return { s, served, events };
}

describe('runPrefetchLoop', () => {
  it('serves one request and stops when nothing new arrives', async () => {
    const { s, served, events } = steps(['A']);
    expect(await runPrefetchLoop(s)).toBe(1);
    expect(served).toEqual(['A']);
    expect(events).toEqual(['lock', 'round A', 'release']);
  });

  it('serves requests that arrive during a round, each once', async () => {
    const { s, served } = steps(['A', 'B', 'B', 'C']);
    await runPrefetchLoop(s);
    expect(served).toEqual(['A', 'B', 'C']);
  });

  it('looks again after releasing, and serves a request that arrived in between', async () => {
    // reads: A (round), A (stop), B (after release: new) → lock again, B (round), B, B
    const { s, served, events } = steps(['A', 'A', 'B']);
    await runPrefetchLoop(s);
    expect(served).toEqual(['A', 'B']);
    expect(events).toEqual(['lock', 'round A', 'release', 'lock', 'round B', 'release']);
  });

  it('does nothing when another worker holds the lock', async () => {
    const { s, served } = steps(['A'], { lockFree: [false] });
    expect(await runPrefetchLoop(s)).toBe(0);
    expect(served).toEqual([]);
  });

  it('does nothing without a request', async () => {
    const { s, served } = steps([undefined]);
    await runPrefetchLoop(s);
    expect(served).toEqual([]);
  });

  it('stops after maxRounds', async () => {
    let n = 0;
    const s: LoopSteps<string> = {
      acquire: async () => ({ release: async () => undefined }),
      readRequest: async () => `R${n++}`,
      keyOf: (r) => r,
      round: async () => undefined,
    };
    expect(await runPrefetchLoop(s, 5)).toBe(5);
  });
});
