// pg_stat_archiver through `psql` from PATH, run as a child process (argv, no shell) with the
// caller's libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSERVICE...): no driver to ship,
// and the connection is configured exactly as for any other libpq tool. Without psql the SQL part
// is skipped with a NOTE; the .ready backlog still tells whether archiving keeps up.

import { spawn } from 'node:child_process';
import { formatAge } from '../../cli/duration-option.js';
import { problem, type Problem } from './problem.js';

const QUERY = [
  "select current_setting('archive_mode'), pg_is_in_recovery(), archived_count, failed_count,",
  "coalesce(last_archived_wal, ''), coalesce(extract(epoch from last_archived_time)::text, ''),",
  "coalesce(last_failed_wal, ''), coalesce(extract(epoch from last_failed_time)::text, '') from pg_stat_archiver",
].join(' ');

export interface ArchiverStats {
  archiveMode: string;
  inRecovery: boolean;
  archivedCount: number;
  failedCount: number;
  lastArchivedWal: string;
  lastArchivedTime: number | undefined;
  lastFailedWal: string;
  lastFailedTime: number | undefined;
}

type PsqlResult = { kind: 'missing' } | { kind: 'failed'; message: string } | { kind: 'ok'; stdout: string };

/** psql with a deadline: a monitoring probe must answer even when the server hangs. */
function runPsql(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<PsqlResult> {
  return new Promise((resolve) => {
    const child = spawn('psql', ['-X', '-A', '-t', '-q', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', QUERY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ENOENT' ? { kind: 'missing' } : { kind: 'failed', message: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ kind: 'ok', stdout });
      else resolve({ kind: 'failed', message: signal !== null ? `no answer within ${timeoutMs / 1000} s` : stderr.trim().split('\n')[0] || `psql exited ${code}` });
    });
  });
}

const epochOf = (text: string | undefined): number | undefined => (text === undefined || text === '' ? undefined : Number(text) * 1000);

export function parseArchiverStats(line: string): ArchiverStats | undefined {
  const fields = line.replace(/\r?\n$/, '').split('\t');
  if (fields.length !== 8) return undefined;
  const [mode, recovery, archived, failed, lastWal, lastTime, failedWal, failedTime] = fields as [string, string, string, string, string, string, string, string];
  return {
    archiveMode: mode,
    inRecovery: recovery === 't',
    archivedCount: Number(archived),
    failedCount: Number(failed),
    lastArchivedWal: lastWal,
    lastArchivedTime: epochOf(lastTime),
    lastFailedWal: failedWal,
    lastFailedTime: epochOf(failedTime),
  };
}

/** The problems pg_stat_archiver shows: archiving off, failing now, or failed recently. */
export function judgeArchiverStats(stats: ArchiverStats, now: number, failureWindow: number): Problem[] {
  if (stats.archiveMode === 'off') return [problem('critical', 'archive_mode is off: nothing is archived')];
  if (stats.inRecovery && stats.archiveMode !== 'always') return [problem('note', 'NOTE: this server is in recovery: its primary archives (archive_mode = on)')];
  const failed = stats.lastFailedTime;
  if (failed === undefined) return [];
  const when = `${stats.lastFailedWal} ${formatAge((now - failed) / 1000)} ago`;
  if (stats.lastArchivedTime === undefined || failed > stats.lastArchivedTime) {
    return [problem('critical', `archive_command is failing: ${stats.failedCount} failure(s), the last for ${when}, no success since (see the PostgreSQL log)`)];
  }
  if (now - failed < failureWindow * 1000) {
    return [problem('warning', `archive_command failed ${stats.failedCount} time(s), the last for ${when}; it has succeeded since (${stats.lastArchivedWal})`)];
  }
  return [];
}

export async function checkArchiverStats(env: NodeJS.ProcessEnv, now: number, failureWindow: number): Promise<{ stats: ArchiverStats | undefined; problems: Problem[] }> {
  const result = await runPsql(env, 10_000);
  if (result.kind === 'missing') return { stats: undefined, problems: [problem('note', 'NOTE: psql is not on PATH: pg_stat_archiver not checked (the .ready backlog still is)')] };
  if (result.kind === 'failed') return { stats: undefined, problems: [problem('unknown', `cannot query pg_stat_archiver with psql: ${result.message}`)] };
  const stats = parseArchiverStats(result.stdout);
  if (stats === undefined) return { stats: undefined, problems: [problem('unknown', `unexpected answer from psql: ${JSON.stringify(result.stdout.slice(0, 200))}`)] };
  return { stats, problems: judgeArchiverStats(stats, now, failureWindow) };
}
