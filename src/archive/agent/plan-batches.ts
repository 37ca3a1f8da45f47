// Which ready files the agent ships next, and in which groups: pure functions, so the order
// PostgreSQL relies on is tested without a process (design §2 "Discovery", "Batching").

import { parseWalName } from '../../wal/name.js';

/** The most bytes one put-wal stream carries (design §2): 16 default segments of 16 MiB. */
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;

/**
 * PostgreSQL's own order (pgarch.c pgarch_readyXlog): history files first, because a standby or a
 * restore needs them before the segments of the new timeline; then the lowest name. Names a call is
 * waiting for (want/) go before everything, since PostgreSQL is blocked on exactly those.
 */
export function orderCandidates(ready: Iterable<string>, wanted: ReadonlySet<string>): string[] {
  const rank = (name: string): number => (wanted.has(name) ? 0 : parseWalName(name)?.kind === 'history' ? 1 : 2);
  return [...new Set(ready)]
    .filter((name) => parseWalName(name) !== undefined)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export interface BatchLimits {
  /** Most files per stream (--batch). */
  maxFiles: number;
  /** Most bytes per stream; one file larger than this still goes, alone. */
  maxBytes: number;
}

/**
 * The next stream: the first candidate plus the ones after it, while both limits hold. A name in
 * `alone` (its batch failed once: Barman 3.4 refusing a duplicate, design §2.1) is shipped by
 * itself, and a group never takes one along.
 */
export function planBatch(
  candidates: readonly { name: string; size: number }[],
  limits: BatchLimits,
  alone: ReadonlySet<string>,
): string[] {
  const [first, ...rest] = candidates;
  if (first === undefined) return [];
  if (alone.has(first.name)) return [first.name];
  const batch = [first.name];
  let bytes = first.size;
  for (const next of rest) {
    if (batch.length >= limits.maxFiles || bytes + next.size > limits.maxBytes) break;
    if (alone.has(next.name)) continue;
    batch.push(next.name);
    bytes += next.size;
  }
  return batch;
}
