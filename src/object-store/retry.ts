// When a failed request is worth sending again, and how long to wait first. Object stores shed
// load with 503 SlowDown and drop idle keep-alive sockets (ECONNRESET on reuse): both are normal
// weather and pass with a retry. A 4xx other than throttling is an answer, never retried.

import { errnoCode } from '../errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * 5 attempts, so 4 pauses of 100-200, 200-400, 400-800 and 800-1600 ms: 1.5 to 3 s in all. That rides
 * out a store restart (radosgw's takes under a second here) or a throttling burst, yet answers
 * PostgreSQL well inside its own retry cycle.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 2_000 };

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(['SlowDown', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable', 'Throttling', 'ThrottlingException']);
const RETRY_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

export const isRetryableStatus = (status: number, storeCode: string | undefined): boolean =>
  RETRY_STATUSES.has(status) || (storeCode !== undefined && RETRY_CODES.has(storeCode));

/** A socket-level failure: the request may or may not have arrived, and every request we send is safe to repeat. */
export const isRetryableNetworkError = (error: unknown): boolean => {
  const code = errnoCode(error);
  return (code !== undefined && RETRY_ERRNOS.has(code)) || (error instanceof Error && /socket hang up/.test(error.message));
};

/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * half of each step fixed, half random. The random half keeps parallel clients out of step; the
 * fixed half gives the retries a floor. Full jitter has none: its 4 pauses summed to under 1 s one
 * time in five (simulated), so a store restarting for a second could see every retry fail.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(step / 2 + random() * (step / 2));
}

