// The node_exporter textfile-collector file (--prometheus FILE): Prometheus text exposition format
// 0.0.4, one gauge family per number, a sample per server. Written with writeFileDurably (temp file
// in the same directory, fsync, rename), so the collector reads the old file or the new one, never
// half of one; the temp name does not end in .prom, so the collector never reads it.

import { writeFileDurably } from '../durable/durable-write.js';
import { NAGIOS_EXIT } from '../cli/nagios.js';
import type { ServerMetrics, ServerReport } from './report.js';

interface Family {
  name: string;
  help: string;
  value: (report: ServerReport) => number | undefined;
}

const metric = (name: string, help: string, pick: (m: ServerMetrics) => number | undefined): Family => ({ name, help, value: (report) => pick(report.metrics) });

const FAMILIES: readonly Family[] = [
  { name: 'walship_check_status', help: 'Check status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios codes).', value: (report) => NAGIOS_EXIT[report.status] },
  metric('walship_last_archived_timestamp_seconds', 'When the newest archived segment arrived (its mtime), Unix time.', (m) => m.lastArchivedTime),
  metric('walship_last_archived_age_seconds', 'Age of the newest archived segment at check time.', (m) => m.lastArchivedAgeSeconds),
  metric('walship_segments', 'Archived WAL segments.', (m) => m.segments),
  metric('walship_archive_bytes', 'Bytes the archived WAL files take on disk (compressed size where compressed).', (m) => m.bytes),
  metric('walship_gaps', 'Ranges of missing segments.', (m) => m.gaps),
  metric('walship_missing_segments', 'Segments missing inside the archived ranges.', (m) => m.missingSegments),
  metric('walship_invalid_segments', 'Stored files that are not the segment their name claims.', (m) => m.invalidSegments),
  metric('walship_foreign_segments', 'Segments carrying another system identifier than the archive.', (m) => m.foreignSegments),
  metric('walship_errors', 'errors/ entries since the --errors-since time.', (m) => m.errors),
  metric('walship_free_bytes', 'Free bytes for unprivileged users on the archive filesystem.', (m) => m.freeBytes),
  metric('walship_free_days', 'Days the free space lasts at the recent archiving rate.', (m) => m.freeDays),
  metric('walship_archived_bytes_per_day', 'Recent archiving rate.', (m) => m.bytesPerDay),
  metric('walship_incoming_backlog', 'Files in incoming/ waiting for a separate archiver.', (m) => m.incomingBacklog),
  metric('walship_verify_failures', 'Stored files --verify could not decode into a valid segment.', (m) => m.verifyFailures),
  metric('walship_verify_bytes_per_second', 'Decoded bytes per second of the last --verify.', (m) => m.verifyBytesPerSecond),
];

/** Label values escape backslash, double quote and newline (exposition format). */
const labelValue = (text: string): string => text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

const sampleValue = (value: number): string => (Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : 'NaN');

export function formatPrometheus(reports: readonly ServerReport[], now: number): string {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const samples = reports.flatMap((report) => {
      const value = family.value(report);
      return value === undefined ? [] : [`${family.name}{server="${labelValue(report.server)}"} ${sampleValue(value)}`];
    });
    if (samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} gauge`, ...samples);
  }
  lines.push('# HELP walship_check_timestamp_seconds When this file was written, Unix time.', '# TYPE walship_check_timestamp_seconds gauge');
  lines.push(`walship_check_timestamp_seconds ${Math.floor(now / 1000)}`);
  return `${lines.join('\n')}\n`;
}

/** Replaces FILE atomically; readable by node_exporter, which runs as another user. */
export async function writePrometheusFile(path: string, reports: readonly ServerReport[], now: number): Promise<void> {
  await writeFileDurably(path, Buffer.from(formatPrometheus(reports, now)), { mode: 0o644 });
}
