// The newest archived segment and how long ago it arrived (its mtime: put-wal writes the file when it
// receives it, and Barman's archiver keeps the mtime when it moves it). A cluster that archives
// nothing for longer than the thresholds has a broken archive_command, or no archive_timeout.

import { formatAge } from '../cli/duration-option.js';
import type { Status } from '../cli/nagios.js';
import type { CheckOptions } from './options.js';
import { comparePosition } from '../store/inventory.js';
import type { Probe } from './probe.js';
import type { Finding, ServerMetrics } from './report.js';

export function checkLastArchived(probes: readonly Probe[], options: CheckOptions, metrics: ServerMetrics): Finding {
  let newest: Probe | undefined;
  // Equal mtimes (a copied or restored archive): the later position in the WAL stream is the newer.
  const newer = (a: Probe, b: Probe): boolean => a.mtimeMs > b.mtimeMs || (a.mtimeMs === b.mtimeMs && comparePosition(a.file.wal, b.file.wal) > 0);
  for (const probe of probes) {
    if (probe.file.wal.kind === 'segment' && (newest === undefined || newer(probe, newest))) newest = probe;
  }
  if (newest === undefined) return { part: 'last archived', status: 'warning', message: 'no segment archived yet' };
  const age = Math.max(0, (options.now - newest.mtimeMs) / 1000);
  metrics.lastArchivedName = newest.file.wal.name;
  metrics.lastArchivedTime = Math.floor(newest.mtimeMs / 1000);
  metrics.lastArchivedAgeSeconds = Math.round(age);
  const status: Status = age >= options.ageCritical ? 'critical' : age >= options.ageWarning ? 'warning' : 'ok';
  const limit = status === 'critical' ? ` (critical at ${formatAge(options.ageCritical)})` : status === 'warning' ? ` (warning at ${formatAge(options.ageWarning)})` : '';
  return { part: 'last archived', status, message: `${newest.file.wal.name}, ${formatAge(age)} ago${limit}` };
}
