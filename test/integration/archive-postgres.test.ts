// issue 2 "Must show": a real PostgreSQL 15 whose archive_command is walship-archive over a real
// sshd archives ≥ 20 pgbench-generated segments with failed_count = 0, each byte-identical to its
// copy in pg_wal; then the same cluster archives with -z and -j (checked with gzip -t / bzip2 -t)
// and with --md5 into Debian's barman 3.4.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { logTail } from '../helpers/daemon.js';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, ensureUser, PG_USER } from '../helpers/users.js';
import { leftovers, listDir } from '../fixtures/archive/server.js';

const ARCHIVE_PATH = `${repoRoot}/bin:/usr/bin:/bin`;
const SEGMENT_RE = /^[0-9A-F]{24}$/;
/** Longest wait for the archiver to catch up with one phase (2 cores, shared with other tests). */
const CATCH_UP_MS = 240_000;

let sshd: Sshd;
let pg: Pg;
let work = '';
let walshipConfig = '';
let walshipIncoming = '';
let barmanConfig = '';
let barmanIncoming = '';

/** archive_command for this phase: walship-archive over ssh, `%p` as PostgreSQL hands it. */
const archiveCommand = (flags: string): string =>
  `${binPath('walship-archive')} ${flags} ${sshd.host} pg %p`;

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres', 'barman']);
  work = await makeTempDir('walship-archive-pg-');
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: ARCHIVE_PATH }, { user: BARMAN_USER }] });
  const walship = await writeBarmanConfig({ dir: await subdir('walship'), servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  walshipConfig = walship.configPath;
  walshipIncoming = `${walship.barmanHome}/pg/incoming`;
  const barman = await writeBarmanConfig({ dir: await subdir('barman'), servers: [{ name: 'pg' }], owner: BARMAN_USER });
  barmanConfig = barman.configPath;
  barmanIncoming = `${barman.barmanHome}/pg/incoming`;
  pg = await startPostgres({
    settings: {
      archive_mode: 'on',
      archive_command: archiveCommand(`-U ${ARCHIVE_USER} -c ${walshipConfig}`),
      archive_timeout: '0',
      // Keep every segment in pg_wal (no recycling) so each archived copy can be compared with it.
      wal_keep_size: '4GB',
      max_wal_size: '8GB',
      checkpoint_timeout: '1h',
    },
  });
}, 300_000);

afterAll(async () => {
  await pg?.remove();
  await sshd?.stop();
  if (work !== '') await run(['rm', '-rf', work]);
});

async function subdir(name: string): Promise<string> {
  const dir = `${work}/${name}`;
  await run(['mkdir', '-m', '755', dir]);
  return dir;
}

interface ArchiverStats {
  archived: number;
  failed: number;
  lastFailed: string;
}

async function archiverStats(): Promise<ArchiverStats> {
  const row = await pg.psql("select archived_count, failed_count, coalesce(last_failed_wal, '') from pg_stat_archiver");
  const [archived, failed, lastFailed] = row.split('|');
  return { archived: Number(archived), failed: Number(failed), lastFailed: lastFailed ?? '' };
}

/**
 * Bounded poll until nothing is waiting to be archived (no .ready in pg_wal/archive_status; after
 * pg_switch_wal() returns, the closed segment's .ready already exists) and archived_count has
 * reached atLeast. Fails at once on any failed archive_command, with the server log's tail.
 */
async function waitUntilAllArchived(atLeast = 0): Promise<ArchiverStats> {
  const deadline = Date.now() + CATCH_UP_MS;
  for (;;) {
    const stats = await archiverStats();
    if (stats.failed > 0) throw new Error(`archive_command failed (${stats.lastFailed})\n${await logTail(pg.logPath, 60)}`);
    const ready = (await readdir(`${pg.dataDir}/pg_wal/archive_status`)).filter((n) => n.endsWith('.ready'));
    if (ready.length === 0 && stats.archived >= atLeast) return stats;
    if (Date.now() > deadline) {
      throw new Error(`${ready.length} segments still .ready, ${stats.archived} archived (want ≥ ${atLeast}) after ${CATCH_UP_MS} ms\n${await logTail(pg.logPath, 60)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Segments PostgreSQL has marked archived (pg_wal/archive_status/<name>.done). */
async function doneSegments(): Promise<string[]> {
  const names = await readdir(`${pg.dataDir}/pg_wal/archive_status`);
  return names.filter((n) => n.endsWith('.done')).map((n) => n.slice(0, -'.done'.length)).filter((n) => SEGMENT_RE.test(n)).sort();
}

/** Closes `count` more segments: a little WAL, then pg_switch_wal(), each time. */
async function switchSegments(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await pg.psql(`insert into walship_switch select g from generate_series(1, 1000) g`);
    await pg.psql('select pg_switch_wal()');
  }
}

/**
 * A lower bound of the segments completed so far. pg_walfile_name() of an LSN exactly on a segment
 * boundary (as right after pg_switch_wal) names the previous segment, so this may be one short.
 */
async function completedSegments(): Promise<number> {
  const current = await pg.psql('select pg_walfile_name(pg_current_wal_lsn())');
  const first = (await readdir(`${pg.dataDir}/pg_wal`)).filter((n) => SEGMENT_RE.test(n)).sort()[0] ?? current;
  const number = (name: string): number => parseInt(name.slice(8, 16), 16) * 256 + parseInt(name.slice(16), 16);
  return number(current) - number(first);
}

/** Switches archive_command and gives the archiver (woken by SIGHUP) a moment to reread it. */
async function useArchiveCommand(command: string): Promise<void> {
  await pg.psql(`alter system set archive_command = '${command.replaceAll("'", "''")}'`);
  await pg.psql('select pg_reload_conf()');
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const magicOf = (bytes: Buffer): 'gzip' | 'bzip2' | 'none' =>
  bytes[0] === 0x1f && bytes[1] === 0x8b ? 'gzip' : bytes.subarray(0, 3).toString('latin1') === 'BZh' ? 'bzip2' : 'none';

/** The archived copy's WAL bytes: checked with the reference program and decoded by it when compressed. */
async function decodedCopy(path: string): Promise<{ kind: 'gzip' | 'bzip2' | 'none'; bytes: Buffer }> {
  const stored = await readFile(path);
  const kind = magicOf(stored);
  if (kind === 'none') return { kind, bytes: stored };
  const check = await run([kind, '-t', path]);
  expect(check.code, describeRun(check)).toBe(0);
  const decoded = await run([kind, '-dc', path]);
  expect(decoded.code, describeRun(decoded)).toBe(0);
  return { kind, bytes: decoded.stdout };
}

/** Compares each named segment in incoming with pg_wal's copy; returns how each was stored. */
async function compareWithPgWal(names: string[], incoming: string): Promise<Record<string, number>> {
  const kinds: Record<string, number> = { none: 0, gzip: 0, bzip2: 0 };
  for (const name of names) {
    const original = await readFile(`${pg.dataDir}/pg_wal/${name}`);
    const copy = await decodedCopy(`${incoming}/${name}`);
    expect(sha256(copy.bytes), `${name} (${copy.kind}) must equal pg_wal/${name}`).toBe(sha256(original));
    kinds[copy.kind] = (kinds[copy.kind] ?? 0) + 1;
  }
  return kinds;
}

describe('PostgreSQL 15 archive_command = walship-archive over ssh', () => {
  it('archives ≥ 20 pgbench-generated segments with failed_count = 0, each byte-identical to pg_wal', async () => {
    const started = Date.now();
    const init = await pg.pgbench(['-i', '-s', '10', '-q']);
    expect(init.code, describeRun(init)).toBe(0);
    await pg.psql('create table walship_switch (g int)');
    const target = 20;
    const missing = target - (await completedSegments());
    await switchSegments(Math.max(1, missing));
    const stats = await waitUntilAllArchived(target);
    const seconds = (Date.now() - started) / 1000;
    expect(stats.failed).toBe(0);

    const done = await doneSegments();
    expect(done.length).toBeGreaterThanOrEqual(target);
    const kinds = await compareWithPgWal(done, walshipIncoming);
    expect(kinds).toEqual({ none: done.length, gzip: 0, bzip2: 0 });
    // Nothing but those segments: no temp file, no stray name.
    expect(listDir(walshipIncoming)).toEqual(done);
    expect(leftovers(walshipIncoming)).toEqual([]);
    console.log(`archived ${stats.archived} segments (pgbench -i -s 10 + switches) in ${seconds.toFixed(1)} s, failed_count ${stats.failed}`);
  });

  it('with -z, then -j: stored compressed under the plain WAL name, accepted by gzip -t / bzip2 -t, decoding to pg_wal\'s bytes', async () => {
    const before = new Set(await doneSegments());
    for (const flag of ['-z', '-j']) {
      await useArchiveCommand(archiveCommand(`${flag} -U ${ARCHIVE_USER} -c ${walshipConfig}`));
      await switchSegments(3);
      await waitUntilAllArchived();
    }
    const added = (await doneSegments()).filter((name) => !before.has(name));
    expect(added.length).toBeGreaterThanOrEqual(6);
    const kinds = await compareWithPgWal(added, walshipIncoming);
    expect(kinds.gzip, JSON.stringify(kinds)).toBeGreaterThanOrEqual(2);
    expect(kinds.bzip2, JSON.stringify(kinds)).toBeGreaterThanOrEqual(2);
    expect((await archiverStats()).failed).toBe(0);
    expect(leftovers(walshipIncoming)).toEqual([]);
  });

  it("with --md5 into Debian's barman put-wal 3.4: accepted, byte-identical in barman's incoming", async () => {
    const before = new Set(await doneSegments());
    await useArchiveCommand(archiveCommand(`--md5 -c ${barmanConfig}`));
    await switchSegments(3);
    await waitUntilAllArchived();
    const added = (await doneSegments()).filter((name) => !before.has(name));
    expect(added.length).toBeGreaterThanOrEqual(3);
    expect(await compareWithPgWal(added, barmanIncoming)).toEqual({ none: added.length, gzip: 0, bzip2: 0 });
    expect(listDir(barmanIncoming)).toEqual(added);
    expect((await archiverStats()).failed).toBe(0);
  });
  it('with --batch 8: a backlog of ready segments goes out in fewer put-wal calls than segments, each byte-identical', async () => {
    const before = new Set(await doneSegments());
    // With an empty archive_command PostgreSQL keeps completed segments as .ready: a backlog.
    await useArchiveCommand('');
    await switchSegments(10);
    const statusDir = `${pg.dataDir}/pg_wal/archive_status`;
    const readyCount = async (): Promise<number> => (await readdir(statusDir)).filter((n) => n.endsWith('.ready')).length;
    for (let i = 0; i < 100 && (await readyCount()) < 10; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await readyCount()).toBeGreaterThanOrEqual(10);
    const logins = async (): Promise<number> => ((await readFile(sshd.logPath, 'utf8')).match(/Accepted publickey for walship-bm /g) ?? []).length;
    const loginsBefore = await logins();
    const batchDir = `${work}/batch-records`;
    await ensureOwnedDir(batchDir, await ensureUser(PG_USER), 0o700);
    await useArchiveCommand(archiveCommand(`--batch 8 --batch-dir ${batchDir} -U ${ARCHIVE_USER} -c ${walshipConfig}`));
    await waitUntilAllArchived();
    const added = (await doneSegments()).filter((name) => !before.has(name));
    expect(added.length).toBeGreaterThanOrEqual(10);
    expect(await compareWithPgWal(added, walshipIncoming)).toEqual({ none: added.length, gzip: 0, bzip2: 0 });
    const calls = (await logins()) - loginsBefore;
    expect(calls, `${calls} ssh logins for ${added.length} segments`).toBeLessThanOrEqual(Math.ceil(added.length / 8) + 1);
    expect((await archiverStats()).failed).toBe(0);
    expect(leftovers(walshipIncoming)).toEqual([]);
  });
});
