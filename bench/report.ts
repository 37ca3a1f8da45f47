// The bench's output: one markdown table per scenario (medians, spread, ratios to barman, to
// pgBackRest async over ssh and to the floor; to barman-cloud on S3), the issues' targets, written to
// bench/results/<UTC stamp>.md and between the markers of README.md's Performance section.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../test/helpers/run.js';
import { mib, ms, ratio, spread, table } from './format.js';
import { isSea } from './scenarios/startup-forms.js';
import { median, spreadOf } from './stats.js';
import { checkObjectStoreTargets, checkTargets } from './targets.js';
import type { RunResults } from './targets.js';
import type { FormsResult, PitrResult, SeqResult, StartupResult, SustainedResult } from './scenarios/types.js';

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

/** A reference column: `÷ label`, this tool's median ÷ the median of tool `id` in the same table. */
interface Ref {
  id: string;
  label: string;
}

function seqTable(rs: SeqResult[], refs: Ref[], archive: boolean): string {
  const refMedians = refs.map((ref) => seqMedian(rs, ref.id));
  const header = ['tool', 'median ms', 'p10–p90 ms', 'first call ms', 'wall s', archive ? 'fast path ms (p10–p90)' : 'agent VmHWM', ...refs.map((ref) => `÷ ${ref.label}`)];
  const rows = rs.map((r) => {
    const s = spreadOf(r.calls);
    const fp = r.fastPath === undefined ? '—' : `${ms(median(r.fastPath))} (${spread(spreadOf(r.fastPath))})`;
    const last = archive ? fp + (r.agentHwmKb === undefined ? '' : `; agent ${mib(r.agentHwmKb)}`) : mib(r.agentHwmKb);
    if (r.error !== undefined) return [r.tool.label, 'failed', '—', ms(r.calls[0]), '—', r.error.replaceAll('|', '/'), ...refs.map(() => '—')];
    return [r.tool.label, ms(s.median), spread(s), ms(r.calls[0]), (r.wallMs / 1000).toFixed(1), last, ...refMedians.map((m) => ratio(s.median, m))];
  });
  return table(header, rows);
}

const PGBR_ASYNC_SSH: Ref = { id: 'pgbackrest-async-ssh', label: 'pgBR async ssh' };
const BARMAN_CLOUD: Ref = { id: 'barman-cloud', label: 'barman-cloud' };

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

function formsSection(f: FormsResult): string[] {
  const intro = `**Start-up of the shipped forms**: \`walship-archive --version\`, median of ${f.runs} interleaved rounds (\`scripts/startup-bench.mjs\`, spawned directly as root, no /bin/sh), the single-file executable packaged from this run's build.`;
  if (f.error !== undefined) return [intro, '', `Not measured: ${f.error}`, ''];
  const rows = f.forms.map((form) => form.median === undefined
    ? [form.label, 'not measured', isSea(form) && f.packageError !== undefined ? f.packageError.replaceAll('|', '/') : `${form.path.replace(`${repoRoot}/`, '')} not built`, '']
    : [form.label, ms(form.median), ms(form.min), ms(form.max)]);
  return [intro, '', table(['form', 'median ms', 'min ms', 'max ms'], rows), ''];
}

export function renderReport(results: RunResults, startup: { calls: StartupResult[]; forms?: FormsResult }, meta: Meta, knobs: { segments: number; pitrSegments: number; seconds: number }): string {
  const parts: string[] = [...meta.header, ''];
  parts.push('Ratios are this tool\'s median ÷ the reference\'s median: 0.10 is ten times faster, 2.0 twice as slow. "pgBR" is pgBackRest 2.45.', '');
  if (startup.calls.length > 0) parts.push('**Start-up** (per call, as the PostgreSQL user, through `/bin/sh -c`)', '', startupTable(startup.calls), '');
  if (startup.forms !== undefined) parts.push(...formsSection(startup.forms));
  if (results.archive.length > 0) {
    parts.push(`**(a) archive_command**, ${knobs.segments} segments, sequential calls, \`.ready\`→\`.done\` after each 0. Wall = first call → last 0 (for async: the last ack is durable). Fast path = a second pass over acknowledged segments.`, '');
    parts.push(seqTable(results.archive, [{ id: 'barman', label: 'barman' }, PGBR_ASYNC_SSH, { id: 'dd', label: 'dd' }], true), '');
  }
  if (results.sustained.length > 0) {
    parts.push(`**(b) sustained**: pgbench -N -c 4 -j 2 for ${knobs.seconds} s on a fresh copy of the cluster per tool (synchronous_commit=off, max_wal_size=4GB); archived = segments archived during the load.`, '');
    parts.push(sustainedTable(results.sustained), '');
  }
  if (results.restore.length > 0) {
    parts.push(`**(c) restore_command**, ${knobs.segments} segments, \`%f pg_wal/RECOVERYXLOG\`, sequential calls with no replay time between them (the worst case for prefetching).`, '');
    parts.push(seqTable(results.restore, [{ id: 'barman-p8', label: 'barman-p8' }, PGBR_ASYNC_SSH, { id: 'cp', label: 'cp' }], false), '');
  }
  if (results.pitr.length > 0) {
    parts.push(`**(d) PITR**, ${results.pitr[0]?.segments ?? knobs.pitrSegments} segments from the base backup to recovery_target_time, postgres start → accepting connections after promotion. One run per tool.`, '');
    parts.push(pitrTable(results.pitr), '');
  }
  const s3 = 'a one-node Ceph 16.2 radosgw on 127.0.0.1 (memstore OSD, cephx, plain HTTP), plain bytes for every tool (no -z/-j: neither client compresses by default)';
  if (results.s3Archive.length > 0) {
    parts.push(`**(e) archive_command to S3**, ${knobs.segments} segments as in (a), to ${s3}; each tool writes its own emptied prefix. Fast path as in (a).`, '');
    parts.push(seqTable(results.s3Archive, [BARMAN_CLOUD], true), '');
  }
  if (results.s3Restore.length > 0) {
    parts.push(`**(f) restore_command from S3**, ${knobs.segments} segments as in (c), from ${s3}; every tool reads the same objects, written by barman-cloud-wal-archive.`, '');
    parts.push(seqTable(results.s3Restore, [BARMAN_CLOUD], false), '');
  }
  parts.push('**Targets (issue 9)**', '', ...checkTargets(results), '');
  parts.push('**Targets (issue 13, object storage)**', '', ...checkObjectStoreTargets(results), '');
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
