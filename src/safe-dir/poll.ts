// The wait loop of `check --wait`: probe, sleep with a growing step, probe again until a deadline.

import { setTimeout as realSleep } from 'node:timers/promises';

export interface PollOptions {
  /** Total time to keep trying after the first probe; 0 means probe exactly once. */
  timeoutMs: number;
  /** First sleep between probes; doubles each time up to maxStepMs. */
  firstStepMs?: number;
  maxStepMs?: number;
  /** Injected for tests; default: the wall clock and setTimeout. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const FIRST_STEP_MS = 100;
export const MAX_STEP_MS = 500;

/**
 * Returns the first defined value probe() gives, or undefined once timeoutMs has passed. The last
 * sleep is shortened so that the final probe happens at the deadline, not up to a step after it.
 * A short first step answers a marker that lands just after the first look within ~100 ms, and
 * the 500 ms cap keeps a long wait at two stat calls a second.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => realSleep(ms));
  const deadline = now() + Math.max(0, options.timeoutMs);
  let step = options.firstStepMs ?? FIRST_STEP_MS;
  const maxStep = options.maxStepMs ?? MAX_STEP_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    const left = deadline - now();
    if (left <= 0) return undefined;
    await sleep(Math.min(step, left));
    step = Math.min(step * 2, maxStep);
  }
}
