// What check found for one server: a status per part (the lines of the human output, the problems of
// the Nagios line) and the numbers behind them (JSON and the Prometheus file).

import { worstStatus, type Status } from '../cli/nagios.js';
import type { Gap } from './continuity.js';

export interface Finding {
  /** The part checked: `directories`, `continuity`, `last archived`... */
  readonly part: string;
  readonly status: Status;
  readonly message: string;
}

export interface ServerMetrics {
  segments: number;
  /** Stored bytes of every WAL file (compressed size where compressed). */
  bytes: number;
  gaps: number;
  missingSegments: number;
  segmentSize: number | undefined;
  timelines: number[];
  lastArchivedName: string | undefined;
  /** Unix seconds. */
  lastArchivedTime: number | undefined;
  lastArchivedAgeSeconds: number | undefined;
  errors: number;
  freeBytes: number | undefined;
  /** Days the free space lasts at the recent archiving rate; undefined when nothing was archived recently. */
  freeDays: number | undefined;
  bytesPerDay: number | undefined;
  incomingBacklog: number | undefined;
  invalidSegments: number;
  foreignSegments: number;
  verifiedFiles: number | undefined;
  verifyFailures: number | undefined;
  verifyBytesPerSecond: number | undefined;
}

export interface ServerReport {
  readonly server: string;
  readonly status: Status;
  readonly findings: Finding[];
  readonly gaps: Gap[];
  readonly metrics: ServerMetrics;
}

export const emptyMetrics = (): ServerMetrics => ({
  segments: 0,
  bytes: 0,
  gaps: 0,
  missingSegments: 0,
  segmentSize: undefined,
  timelines: [],
  lastArchivedName: undefined,
  lastArchivedTime: undefined,
  lastArchivedAgeSeconds: undefined,
  errors: 0,
  freeBytes: undefined,
  freeDays: undefined,
  bytesPerDay: undefined,
  incomingBacklog: undefined,
  invalidSegments: 0,
  foreignSegments: 0,
  verifiedFiles: undefined,
  verifyFailures: undefined,
  verifyBytesPerSecond: undefined,
});

export const serverReport = (server: string, findings: Finding[], gaps: Gap[], metrics: ServerMetrics): ServerReport => ({
  server,
  status: worstStatus(findings.map((finding) => finding.status)),
  findings,
  gaps,
  metrics,
});

/** `1.5 GiB`: sizes for humans. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Up to `limit` items and "and N more", so one Nagios line stays readable. */
export const listSome = (items: readonly string[], limit = 3): string =>
  items.length <= limit ? items.join(', ') : `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
