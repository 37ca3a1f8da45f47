// A walship archive filled by a real PostgreSQL 15 through walship-archive --transport local (the
// same put-wal code as over ssh, run as the cluster's user), and the commands that read it.
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBarmanConfig } from '../../helpers/barman.js';
import { makeTempDir } from '../../helpers/files.js';
import type { Pg } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/poll.js';
import { binPath, run, type RunResult } from '../../helpers/run.js';
import { PG_USER } from '../../helpers/users.js';

export interface LocalArchive {
  dir: string;
  configPath: string;
  serverDir: string;
  incoming: string;
  archiveCommand: string;
  restoreCommand: string;
}

export async function makeLocalArchive(prefix: string): Promise<LocalArchive> {
  const dir = await makeTempDir(prefix);
  const { configPath, barmanHome } = await writeBarmanConfig({ dir, servers: [{ name: 'pg' }], owner: PG_USER });
  const serverDir = `${barmanHome}/pg`;
  const common = ['-c', configPath, '--transport', 'local'];
  return {
    dir,
    configPath,
    serverDir,
    incoming: `${serverDir}/incoming`,
    archiveCommand: [binPath('walship-archive'), ...common, 'archive-host', 'pg', '%p'].join(' '),
    restoreCommand: [binPath('walship-restore'), ...common, 'archive-host', 'pg', '%f', '%p'].join(' '),
  };
}

/** `walship-server -c CONFIG check ARGS`, as the archive's owner (the account put-wal runs as). */
export const check = (archive: LocalArchive, args: string[]): Promise<RunResult> =>
  run([binPath('walship-server'), '-c', archive.configPath, 'check', ...args], { user: PG_USER });

export const expire = (archive: LocalArchive, args: string[]): Promise<RunResult> =>
  run([binPath('walship-server'), '-c', archive.configPath, 'expire', ...args], { user: PG_USER, timeoutMs: 120_000 });

/** Writes a little, switches, and returns the name of the segment that was just completed. */
export async function switchSegment(pg: Pg): Promise<string> {
  await pg.psql('insert into t select g from generate_series(1, 100) g');
  const name = await pg.psql('select pg_walfile_name(pg_current_wal_lsn())');
  await pg.psql('select pg_switch_wal()');
  return name;
}

/** Until pg_stat_archiver has archived `name` (names of one timeline sort by position). */
export const waitArchived = (pg: Pg, name: string): Promise<void> =>
  waitFor(`archiving of ${name}`, async () => (await pg.psql('select coalesce(last_archived_wal, \'\') from pg_stat_archiver')) >= name, 120_000);

/** Sets every stored file's mtime this many seconds into the past: an archive nobody wrote to since. */
export async function ageArchive(archive: LocalArchive, seconds: number): Promise<void> {
  const when = new Date(Date.now() - seconds * 1000);
  for (const name of await readdir(archive.incoming)) await utimes(join(archive.incoming, name), when, when);
}

export const segmentNames = async (archive: LocalArchive): Promise<string[]> =>
  (await readdir(archive.incoming)).filter((name) => /^[0-9A-F]{24}$/.test(name)).sort();

export interface CheckJson {
  status: string;
  servers: { server: string; status: string; gaps: { timeline: number; first: string; last: string; count: number }[]; findings: { part: string; status: string; message: string }[]; metrics: { segments: number; timelines: number[]; segmentSize: number } }[];
}

export const parseJson = (result: RunResult): CheckJson => JSON.parse(result.stdout.toString('utf8')) as CheckJson;
