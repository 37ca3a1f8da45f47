// When a failed file (or, after an ssh failure, the whole archive host) may be tried again:
// 1, 2, 4 … 30 s (design §2 "Errors"). A success forgets the history.

export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

export const backoffDelayMs = (attempts: number): number =>
  Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, attempts - 1));

export interface Backoff {
  /** One more failure for key; returns the delay until the next try. */
  fail(key: string, now: number): number;
  succeed(key: string): void;
  /** True when key has no pending delay at `now`. */
  due(key: string, now: number): boolean;
}

export function createBackoff(): Backoff {
  const state = new Map<string, { attempts: number; notBefore: number }>();
  return {
    fail(key, now) {
      const attempts = (state.get(key)?.attempts ?? 0) + 1;
      const delay = backoffDelayMs(attempts);
      state.set(key, { attempts, notBefore: now + delay });
      return delay;
    },
    succeed: (key) => void state.delete(key),
    due: (key, now) => (state.get(key)?.notBefore ?? 0) <= now,
  };
}
