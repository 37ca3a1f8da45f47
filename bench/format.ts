// Number formatting and markdown table helpers for the report.

import type { Spread } from './stats.js';

export const ms = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);

export const spread = (s: Spread): string => `${ms(s.p10)}–${ms(s.p90)}`;

/** tool ÷ reference; "—" when either is missing. */
export const ratio = (tool: number | undefined, ref: number | undefined): string => {
  if (tool === undefined || ref === undefined || !Number.isFinite(tool) || !Number.isFinite(ref) || ref <= 0) return '—';
  const r = tool / ref;
  return r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2);
};

export const mib = (kb: number | undefined): string => (kb === undefined ? '—' : `${(kb / 1024).toFixed(0)} MiB`);

export function table(header: string[], rows: string[][], rightFrom = 1): string {
  const align = header.map((_, i) => (i >= rightFrom ? '---:' : '---'));
  return [header, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
