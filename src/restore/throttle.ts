// --sleep SECONDS: after a failed fetch, wait before exiting, because PostgreSQL calls
// restore_command again at once and a standby would otherwise hammer the Barman host.

import { setTimeout as delay } from 'node:timers/promises';

/** Statuses that mean "try again later" (not in the archive, transfer failed). */
const FAILED_FETCH = new Set([1, 2]);

export async function throttleAfterFailure(
  status: number,
  seconds: number,
  say: (line: string) => void,
  wait: (ms: number) => Promise<void> = delay,
): Promise<void> {
  if (!FAILED_FETCH.has(status) || seconds <= 0) return;
  say(`Sleeping for ${seconds} seconds.`);
  await wait(seconds * 1000);
}
