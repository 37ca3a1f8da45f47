// Shared by the --async archive integration tests: a PostgreSQL 15 cluster's archiver seen from
// outside (stats, .ready/.done, switching segments) and the processes an agent may leave behind.
import { createHash } from 'node:crypto';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { runsEntry } from '../../../src/cli/entry-spawn.js';
import { logTail } from '../../helpers/daemon.js';
import type { Pg } from '../../helpers/postgres.js';
import { binPath } from '../../helpers/run.js';

export const SEGMENT_RE = /^[0-9A-F]{24}$/;
export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The settings every async test cluster uses: keep all WAL in pg_wal so each copy can be compared. */
export const keepAllWal = (archiveCommand: string): Record<string, string> => ({
  archive_mode: 'on',
  archive_command: archiveCommand,
  archive_timeout: '0',
  wal_keep_size: '4GB',
  max_wal_size: '8GB',
  checkpoint_timeout: '1h',
});

export const asyncCommand = (flags: string, host: string, server: string): string =>
  `${binPath('walship-archive')} --async ${flags} ${host} ${server} %p`;

export interface ArchiverStats { archived: number; failed: number; lastFailed: string }

export async function archiverStats(pg: Pg): Promise<ArchiverStats> {
  const row = await pg.psql("select archived_count, failed_count, coalesce(last_failed_wal, '') from pg_stat_archiver");
  const [archived, failed, lastFailed] = row.split('|');
  return { archived: Number(archived), failed: Number(failed), lastFailed: lastFailed ?? '' };
}

export async function statusNames(pg: Pg, suffix: '.ready' | '.done'): Promise<string[]> {
  const names = await readdir(`${pg.dataDir}/pg_wal/archive_status`);
  return names.filter((n) => n.endsWith(suffix)).map((n) => n.slice(0, -suffix.length)).sort();
}

/** Bounded poll until no .ready is left and archived_count ≥ atLeast; `allowFailures` for fault tests. */
export async function waitUntilAllArchived(pg: Pg, atLeast = 0, { allowFailures = false, timeoutMs = 240_000 } = {}): Promise<ArchiverStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await archiverStats(pg);
    if (!allowFailures && stats.failed > 0) throw new Error(`archive_command failed (${stats.lastFailed})\n${await logTail(pg.logPath, 60)}`);
    const ready = await statusNames(pg, '.ready');
    if (ready.length === 0 && stats.archived >= atLeast) return stats;
    if (Date.now() > deadline) throw new Error(`${ready.length} still .ready, ${stats.archived} archived (want ≥ ${atLeast})\n${await logTail(pg.logPath, 60)}`);
    await sleep(250);
  }
}

/** Closes `count` more segments. */
export async function switchSegments(pg: Pg, count: number): Promise<void> {
  await pg.psql('create table if not exists walship_switch (g int)');
  for (let i = 0; i < count; i++) {
    await pg.psql('insert into walship_switch select g from generate_series(1, 1000) g');
    await pg.psql('select pg_switch_wal()');
  }
}

export async function useArchiveCommand(pg: Pg, command: string): Promise<void> {
  await pg.psql(`alter system set archive_command = '${command.replaceAll("'", "''")}'`);
  await pg.psql('select pg_reload_conf()');
  await sleep(1000);
}

/** Every name's copy under `incoming` has pg_wal's bytes; returns the names that differ or are missing. */
export async function differingCopies(pg: Pg, names: string[], incoming: string): Promise<string[]> {
  const bad: string[] = [];
  for (const name of names) {
    const copy = await readFile(`${incoming}/${name}`).catch(() => undefined);
    if (copy === undefined || sha256(copy) !== sha256(await readFile(`${pg.dataDir}/pg_wal/${name}`))) bad.push(name);
  }
  return bad;
}

export interface ProcessInfo { pid: number; cmdline: string; cwd: string }

/** Processes whose command line mentions the archive agent or a lane socket under ~/.walship/run. */
export async function agentProcesses(filter: (p: ProcessInfo) => boolean = () => true): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const cmdline = argv.join(' ');
    // Either install form: node …/archive-agent.js, or the single-file executable's `walship archive-agent`.
    if (!runsEntry(argv, 'archive-agent') && !(cmdline.includes('ssh') && cmdline.includes('.walship/run'))) continue;
    found.push({ pid: Number(entry), cmdline, cwd: await readlink(`/proc/${entry}/cwd`).catch(() => '') });
  }
  return found.filter(filter);
}

/** Bounded poll until no agent or lane ssh process is left for `dataDir` (and, for ssh, none at all). */
export async function waitNoAgentLeft(timeoutMs = 30_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await agentProcesses();
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(250);
  }
}
