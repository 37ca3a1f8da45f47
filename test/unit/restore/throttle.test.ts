// --sleep: wait after a failed fetch only, and say so.
import { describe, expect, it } from 'vitest';
import { throttleAfterFailure } from '../../../src/restore/throttle.js';

async function throttle(status: number, seconds: number) {
  const lines: string[] = [];
  const waits: number[] = [];
  await throttleAfterFailure(status, seconds, (line) => lines.push(line), async (ms) => void waits.push(ms));
  return { lines, waits };
}

describe('throttleAfterFailure', () => {
  it.each([1, 2])('sleeps after status %i', async (status) => {
    expect(await throttle(status, 3)).toEqual({ lines: ['Sleeping for 3 seconds.'], waits: [3000] });
  });

  it.each([0, 3])('does not sleep after status %i', async (status) => {
    expect(await throttle(status, 3)).toEqual({ lines: [], waits: [] });
  });

  it('does not sleep with --sleep 0', async () => {
    expect(await throttle(1, 0)).toEqual({ lines: [], waits: [] });
  });

  it('really waits with the default timer', async () => {
    const start = Date.now();
    await throttleAfterFailure(1, 1, () => undefined);
    expect(Date.now() - start).toBeGreaterThanOrEqual(990);
  });
});
