// What the headers say, all segments together: which files are not the segment their name claims,
// the archive's segment size (one per cluster: initdb --wal-segsize), and whether every segment
// carries the cluster's system identifier (SPEC §7: the record put-wal keeps, else each other).

import type { Status } from '../cli/nagios.js';
import type { Probe } from './probe.js';
import { listSome, type Finding } from './report.js';

export interface SegmentFacts {
  readonly findings: Finding[];
  /** The size most headers give; undefined when no header could be read. */
  readonly segmentSize: number | undefined;
  readonly invalid: number;
  readonly foreign: number;
}

function mostCommon<T>(values: readonly T[]): { value: T | undefined; counts: Map<T, number> } {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let value: T | undefined;
  for (const [candidate, count] of counts) if (value === undefined || count > (counts.get(value) ?? 0)) value = candidate;
  return { value, counts };
}

const invalidFinding = (probes: readonly Probe[]): Finding | undefined => {
  const bad = probes.filter((probe) => probe.problem !== undefined);
  if (bad.length === 0) return undefined;
  const examples = bad.map((probe) => `${probe.file.wal.name} (${probe.problem})`);
  return { part: 'segment headers', status: 'critical', message: `${bad.length} stored file(s) are not the segment their name claims: ${listSome(examples, 2)}` };
};

const sizeFinding = (counts: Map<number, number>, size: number | undefined): Finding | undefined => {
  if (counts.size <= 1) return undefined;
  const sizes = [...counts].map(([value, count]) => `${count} of ${value / 1048576} MiB`);
  return { part: 'segment headers', status: 'critical', message: `segments of several sizes (${sizes.join(', ')}); continuity is judged at ${(size ?? 0) / 1048576} MiB` };
};

/**
 * With a record, every segment must carry it; without one (an archive older than the record, or the
 * check turned off), they must agree with each other. With the check off a mismatch is only a
 * WARNING: the DBA chose to let put-wal take it.
 */
function identifierFinding(probes: readonly Probe[], recorded: bigint | undefined, enforced: boolean): { finding: Finding; foreign: number } {
  const identifiers = probes.flatMap((probe) => (probe.header === undefined ? [] : [probe.header.systemIdentifier]));
  const { value: common, counts } = mostCommon(identifiers);
  const expected = recorded ?? common;
  const foreign = probes.filter((probe) => probe.header !== undefined && probe.header.systemIdentifier !== expected);
  if (foreign.length === 0) {
    const text = expected === undefined ? 'no segment header to compare' : `every segment carries ${expected}${recorded === undefined ? ' (no record yet)' : ', as recorded'}`;
    return { finding: { part: 'system identifier', status: 'ok', message: text }, foreign: 0 };
  }
  const status: Status = enforced ? 'critical' : 'warning';
  const others = [...counts.keys()].filter((id) => id !== expected).map(String);
  const source = recorded === undefined ? 'most segments carry' : 'the record says';
  const examples = listSome(foreign.map((probe) => probe.file.wal.name), 2);
  return {
    finding: { part: 'system identifier', status, message: `${foreign.length} segment(s) carry ${listSome(others)} where ${source} ${expected}: ${examples}` },
    foreign: foreign.length,
  };
}

export function judgeSegments(probes: readonly Probe[], recorded: bigint | undefined, enforced: boolean): SegmentFacts {
  const walProbes = probes.filter((probe) => probe.file.wal.kind === 'segment' || probe.file.wal.kind === 'partial');
  const { value: segmentSize, counts } = mostCommon(walProbes.flatMap((probe) => (probe.header ? [probe.header.segmentSize] : [])));
  const identity = identifierFinding(walProbes, recorded, enforced);
  const findings = [invalidFinding(walProbes), sizeFinding(counts, segmentSize), identity.finding].filter((f): f is Finding => f !== undefined);
  const invalid = walProbes.filter((probe) => probe.problem !== undefined).length;
  if (invalid === 0 && counts.size <= 1) {
    const size = segmentSize === undefined ? 'none yet' : `${segmentSize / 1048576} MiB segments`;
    findings.unshift({ part: 'segment headers', status: 'ok', message: `${walProbes.length} file(s) match their names (${size})` });
  }
  return { findings, segmentSize, invalid, foreign: identity.foreign };
}
