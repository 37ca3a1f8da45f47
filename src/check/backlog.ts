// Files waiting in incoming/ where a separate archiver (Barman's `barman cron`) is expected to move
// them into wals/ (walship_separate_archiver = on). Without one, incoming/ is the archive itself
// and nothing waits there.

import { formatAge } from '../cli/duration-option.js';
import type { CheckOptions } from './options.js';
import type { Probe } from './probe.js';
import type { Finding, ServerMetrics } from './report.js';

export function checkIncomingBacklog(probes: readonly Probe[], options: CheckOptions, metrics: ServerMetrics): Finding {
  const waiting = probes.filter((probe) => probe.file.location === 'incoming');
  const stale = waiting.filter((probe) => options.now - probe.mtimeMs >= options.backlogAge * 1000);
  metrics.incomingBacklog = waiting.length;
  if (stale.length === 0) return { part: 'incoming backlog', status: 'ok', message: `${waiting.length} file(s) in incoming/, none older than ${formatAge(options.backlogAge)}` };
  const oldest = stale.reduce((a, b) => (a.mtimeMs <= b.mtimeMs ? a : b));
  const age = formatAge((options.now - oldest.mtimeMs) / 1000);
  return { part: 'incoming backlog', status: 'warning', message: `${stale.length} file(s) waiting in incoming/ for the archiver longer than ${formatAge(options.backlogAge)} (oldest ${oldest.file.wal.name}, ${age}): is barman cron running?` };
}
