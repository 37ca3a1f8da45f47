// The continuity part of check: segment names and history files in, a finding with every gap as a
// range out. Needs the segment size (from the headers) to number segments: 0x100000000 / size per log.

import type { HistoryEntry } from '../store/history.js';
import type { BackupLabel } from '../store/backup-label.js';
import { segmentsPerLog } from '../wal/name.js';
import { findGaps, segmentNumber, type Continuity } from './continuity.js';
import type { Probe } from './probe.js';
import { listSome, type Finding } from './report.js';

export interface ContinuityResult {
  readonly findings: Finding[];
  readonly continuity: Continuity | undefined;
}

/** Segment numbers per timeline, sorted; names whose segment field does not fit the size are left out. */
function numbersByTimeline(probes: readonly Probe[], segmentSize: number): Map<number, number[]> {
  const perLog = segmentsPerLog(segmentSize);
  const byTimeline = new Map<number, number[]>();
  for (const { file } of probes) {
    if (file.wal.kind !== 'segment' || file.wal.seg >= perLog) continue;
    const list = byTimeline.get(file.wal.timeline) ?? [];
    list.push(segmentNumber(file.wal.log, file.wal.seg, segmentSize));
    byTimeline.set(file.wal.timeline, list);
  }
  for (const list of byTimeline.values()) list.sort((a, b) => a - b);
  return byTimeline;
}

const describeGaps = (continuity: Continuity): string => {
  const missing = continuity.gaps.reduce((sum, gap) => sum + gap.count, 0);
  const ranges = continuity.gaps.map((gap) => (gap.count === 1 ? gap.first : `${gap.first}..${gap.last}`));
  return `${continuity.gaps.length} gap(s), ${missing} segment(s) missing: ${listSome(ranges, 3)}`;
};

const describeSpans = (continuity: Continuity, segmentSize: number): string =>
  continuity.spans
    .filter((span) => span.first <= span.last)
    .map((span) => `timeline ${span.timeline}: ${span.last - span.first + 1} segment(s)`)
    .join(', ') || `no segment yet (${segmentSize / 1048576} MiB)`;

export function checkContinuity(
  probes: readonly Probe[],
  histories: ReadonlyMap<number, readonly HistoryEntry[]>,
  labels: readonly BackupLabel[],
  segmentSize: number | undefined,
): ContinuityResult {
  if (segmentSize === undefined) {
    const any = probes.some((probe) => probe.file.wal.kind === 'segment');
    const status = any ? 'unknown' : 'ok';
    return { findings: [{ part: 'continuity', status, message: any ? 'no readable segment header gives the segment size' : 'no segment yet' }], continuity: undefined };
  }
  // From the oldest base backup's start: what came before it restores nothing.
  const oldestLabel = labels[0];
  const floor = oldestLabel === undefined ? undefined : segmentNumber(oldestLabel.start.log, oldestLabel.start.seg, segmentSize);
  const continuity = findGaps({ segments: numbersByTimeline(probes, segmentSize), histories, segmentSize, floor });
  const findings: Finding[] = [
    continuity.gaps.length > 0
      ? { part: 'continuity', status: 'critical', message: describeGaps(continuity) }
      : { part: 'continuity', status: 'ok', message: describeSpans(continuity, segmentSize) },
  ];
  for (const note of continuity.notes) findings.push({ part: 'timelines', status: 'warning', message: note });
  return { findings, continuity };
}
