// Free space where the archive lives, and how many days it lasts at the recent archiving rate:
// the bytes that arrived over the last week (or since the oldest file, when the archive is younger),
// per day. Nothing archived recently means no estimate, not "forever" on the Nagios line.

import { statfsSync } from 'node:fs';
import type { Status } from '../cli/nagios.js';
import type { CheckOptions } from './options.js';
import type { Probe } from './probe.js';
import { formatBytes, type Finding, type ServerMetrics } from './report.js';

const WEEK_MS = 7 * 86_400_000;
/** Below an hour of history, a rate is noise (a restored or copied archive has one mtime). */
const MIN_WINDOW_MS = 3_600_000;

export function archivingRate(probes: readonly Probe[], now: number): number | undefined {
  if (probes.length === 0) return undefined;
  const oldest = Math.min(...probes.map((probe) => probe.mtimeMs));
  const window = Math.min(WEEK_MS, now - oldest);
  if (window < MIN_WINDOW_MS) return undefined;
  const recent = probes.filter((probe) => probe.mtimeMs >= now - window).reduce((sum, probe) => sum + probe.size, 0);
  return recent / (window / 86_400_000);
}

export function checkSpace(path: string, probes: readonly Probe[], options: CheckOptions, metrics: ServerMetrics): Finding {
  let free: number;
  try {
    const fs = statfsSync(path);
    free = fs.bavail * fs.bsize;
  } catch (error) {
    return { part: 'free space', status: 'unknown', message: `cannot read free space of ${path}: ${(error as Error).message}` };
  }
  const rate = archivingRate(probes, options.now);
  metrics.freeBytes = free;
  metrics.bytesPerDay = rate;
  if (rate === undefined || rate === 0) return { part: 'free space', status: 'ok', message: `${formatBytes(free)} free (no recent archiving rate)` };
  const days = free / rate;
  metrics.freeDays = days;
  const status: Status = days < options.spaceCriticalDays ? 'critical' : days < options.spaceWarningDays ? 'warning' : 'ok';
  return { part: 'free space', status, message: `${formatBytes(free)} free, ${days.toFixed(1)} days at ${formatBytes(rate)}/day` };
}
