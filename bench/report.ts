// The bench's output: one markdown table per scenario (medians, spread, ratios to barman, to
// pgBackRest async over ssh and to the floor), the targets, written to
// bench/results/<UTC stamp>.md and between the markers of README.md's Performance section.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../test/helpers/run.js';
import { mib, ms, ratio, spread, table } from './format.js';
import { median, spreadOf } from './stats.js';
import { checkTargets } from './targets.js';
import type { RunResults } from './targets.js';
import type { PitrResult, SeqResult, StartupResult, SustainedResult } from './scenarios/types.js';

export interface Meta {
  started: Date;
  finished: Date;
  header: string[];
  notes: string[];
}

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

const seqMedian = (rs: SeqResult[], id: string): number | undefined => {
  const r = rs.find((x) => x.tool.id === id);
  return r === undefined || r.error !== undefined ? undefined : median(r.calls);
};

function seqTable(rs: SeqResult[], refs: { barman: string; floor: string }, archive: boolean): string {
  const b = seqMedian(rs, refs.barman);
  const p = seqMedian(rs, 'pgbackrest-async-ssh');
  const f = seqMedian(rs, refs.floor);
  const header = ['tool', 'median ms', 'p10–p90 ms', 'first call ms', 'wall s', archive ? 'fast path ms (p10–p90)' : 'agent VmHWM',
    `÷ ${refs.barman}`, '÷ pgBR async ssh', `÷ ${refs.floor}`];
  const rows = rs.map((r) => {
    const s = spreadOf(r.calls);
    const fp = r.fastPath === undefined ? '—' : `${ms(median(r.fastPath))} (${spread(spreadOf(r.fastPath))})`;
    const last = archive ? fp + (r.agentHwmKb === undefined ? '' : `; agent ${mib(r.agentHwmKb)}`) : mib(r.agentHwmKb);
    if (r.error !== undefined) return [r.tool.label, 'failed', '—', ms(r.calls[0]), '—', r.error.replaceAll('|', '/'), '—', '—', '—'];
    return [r.tool.label, ms(s.median), spread(s), ms(r.calls[0]), (r.wallMs / 1000).toFixed(1), last, ratio(s.median, b), ratio(s.median, p), ratio(s.median, f)];
  });
  return table(header, rows);
}

function sustainedTable(rs: SustainedResult[]): string {
  const header = ['tool', 'WAL written MB/s', 'archived MB/s', 'archived ÷ written', 'peak .ready', 'final .ready', 'drain s', 'pgbench tps', 'agent VmHWM', 'failed calls'];
  const rows = rs.map((s) => s.error !== undefined && s.writtenMBps === 0
    ? [s.tool.label, 'failed', s.error.replaceAll('|', '/'), '', '', '', '', '', '', '']
    : [s.tool.label, s.writtenMBps.toFixed(1), s.archivedMBps.toFixed(1), ratio(s.archivedMBps, s.writtenMBps), String(s.peakReady),
      String(s.finalReady), s.drainSeconds === undefined ? 'not drained' : s.drainSeconds.toFixed(1), s.tps?.toFixed(0) ?? '—', mib(s.agentHwmKb), String(s.failedCount)]);
  return table(header, rows);
}

function pitrTable(rs: PitrResult[]): string {
  const at = (id: string): number | undefined => rs.find((r) => r.tool.id === id)?.seconds;
  const [b, p, c] = [at('barman-p8'), at('pgbackrest-async-ssh'), at('cp')];
  const rows = rs.map((r) => r.seconds === undefined
    ? [r.tool.label, 'failed', (r.error ?? '').replaceAll('|', '/'), '', '', '']
    : [r.tool.label, r.seconds.toFixed(1), ratio(r.seconds, b), ratio(r.seconds, p), ratio(r.seconds, c), mib(r.agentHwmKb)]);
  return table(['tool', 'start → ready s', '÷ barman-p8', '÷ pgBR async ssh', '÷ cp', 'agent VmHWM'], rows);
}

function startupTable(rs: StartupResult[]): string {
  return table(['command', 'median ms', 'p10–p90 ms'], rs.map((r) => [r.label, ms(median(r.calls)), spread(spreadOf(r.calls))]));
}

export function renderReport(results: RunResults, startup: StartupResult[], meta: Meta, knobs: { segments: number; pitrSegments: number; seconds: number }): string {
  const parts: string[] = [...meta.header, ''];
  parts.push('Ratios are this tool\'s median ÷ the reference\'s median: 0.10 is ten times faster, 2.0 twice as slow. "pgBR" is pgBackRest 2.45.', '');
  if (startup.length > 0) parts.push('**Start-up** (per call, as the PostgreSQL user, through `/bin/sh -c`)', '', startupTable(startup), '');
  if (results.archive.length > 0) {
    parts.push(`**(a) archive_command**, ${knobs.segments} segments, sequential calls, \`.ready\`→\`.done\` after each 0. Wall = first call → last 0 (for async: the last ack is durable). Fast path = a second pass over acknowledged segments.`, '');
    parts.push(seqTable(results.archive, { barman: 'barman', floor: 'dd' }, true), '');
  }
  if (results.sustained.length > 0) {
    parts.push(`**(b) sustained**: pgbench -N -c 4 -j 2 for ${knobs.seconds} s on a fresh copy of the cluster per tool (synchronous_commit=off, max_wal_size=4GB); archived = segments archived during the load.`, '');
    parts.push(sustainedTable(results.sustained), '');
  }
  if (results.restore.length > 0) {
    parts.push(`**(c) restore_command**, ${knobs.segments} segments, \`%f pg_wal/RECOVERYXLOG\`, sequential calls with no replay time between them (the worst case for prefetching).`, '');
    parts.push(seqTable(results.restore, { barman: 'barman-p8', floor: 'cp' }, false), '');
  }
  if (results.pitr.length > 0) {
    parts.push(`**(d) PITR**, ${results.pitr[0]?.segments ?? knobs.pitrSegments} segments from the base backup to recovery_target_time, postgres start → accepting connections after promotion. One run per tool.`, '');
    parts.push(pitrTable(results.pitr), '');
  }
  parts.push('**Targets (issue 9)**', '', ...checkTargets(results), '');
  if (meta.notes.length > 0) parts.push('**Notes**', '', ...meta.notes.map((n) => `- ${n}`), '');
  return parts.join('\n');
}

export async function writeReport(markdown: string, started: Date, readme: boolean): Promise<string> {
  const dir = join(repoRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const path = join(dir, `${stamp}.md`);
  await writeFile(path, `# walship bench ${stamp}\n\n${markdown}`);
  if (readme) await writeReadme(markdown, `bench/results/${stamp}.md`);
  return path;
}

async function writeReadme(markdown: string, resultsPath: string): Promise<void> {
  const path = join(repoRoot, 'README.md');
  const text = await readFile(path, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} … ${END} markers in its Performance section`);
  const body = `${BEGIN}\n<!-- written by \`npm run bench\` (bench/report.ts); full results: ${resultsPath} -->\n\n${markdown.trim()}\n\n${END}`;
  await writeFile(path, text.slice(0, begin) + body + text.slice(end + END.length));
}
