// Order statistics for per-call times: median and the p10/p90 spread, nearest-rank.

export const percentile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
};

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export interface Spread {
  median: number;
  p10: number;
  p90: number;
  n: number;
}

export const spreadOf = (xs: readonly number[]): Spread => ({ median: median(xs), p10: percentile(xs, 10), p90: percentile(xs, 90), n: xs.length });
