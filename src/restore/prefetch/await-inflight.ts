// When the prefetch worker is already fetching the very segment PostgreSQL now asks for, waiting for
// it beats starting a second transfer that competes with it. The wait is bounded: it ends as soon
// as the transfer stalls, its writer dies, or a time limit passes, and the restore then fetches
// the segment itself. It never waits for any other segment.

import { setTimeout as delay } from 'node:timers/promises';

export interface InflightProbe {
  /** Bytes written so far by a live writer of the segment, or undefined when none is in flight. */
  inflightSize(): Promise<number | undefined>;
  /** Has the segment been published under its final name? */
  published(): Promise<boolean>;
}

export interface WaitLimits {
  /** Give up after this long even if bytes are still arriving. */
  maxMs: number;
  /** Give up when the temp file has not grown for this long. */
  stallMs: number;
  pollMs: number;
}

export const INFLIGHT_LIMITS: WaitLimits = { maxMs: 10_000, stallMs: 1_500, pollMs: 15 };

export type InflightOutcome = 'published' | 'none' | 'gone' | 'stalled' | 'timeout';

export async function awaitInflight(
  probe: InflightProbe,
  limits: WaitLimits = INFLIGHT_LIMITS,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = delay,
): Promise<InflightOutcome> {
  let size = await probe.inflightSize();
  if (size === undefined) return (await probe.published()) ? 'published' : 'none';
  const start = now();
  let lastGrowth = start;
  for (;;) {
    await sleep(limits.pollMs);
    if (await probe.published()) return 'published';
    const current = await probe.inflightSize();
    // The rename that publishes it removes the temp name: look once more before calling it gone.
    if (current === undefined) return (await probe.published()) ? 'published' : 'gone';
    const at = now();
    if (current > size) {
      size = current;
      lastGrowth = at;
    }
    if (at - lastGrowth >= limits.stallMs) return 'stalled';
    if (at - start >= limits.maxMs) return 'timeout';
  }
}
