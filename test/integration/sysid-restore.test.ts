// issue 8 (D6): walship-restore, run as PostgreSQL runs restore_command (cwd = the data directory,
// %p = pg_wal/RECOVERYXLOG), compares each segment's system identifier with global/pg_control and
// refuses a segment of another cluster with exit 2, from the archive and from the spool. Real
// PostgreSQL 15 segments and pg_control; foreign copies differ only in header bytes 24..32.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run, type RunResult } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ensureUser, PG_USER } from '../helpers/users.js';
import { foreignIdentifier, makeClusterSegments, makeDataDir, pgControlWith, withSystemIdentifier, writeOwned, type ClusterSegments } from '../fixtures/sysid.js';

const DEST = 'pg_wal/RECOVERYXLOG';
let sshd: Sshd | undefined;
let cluster: ClusterSegments;
let work = '';
let configPath = '';
let barmanHome = '';
/** The cluster that wrote the segments (A) and the one the foreign copies claim (B), in decimal. */
let idA = '';
let idB = '';
let dataA = '';
let dataB = '';
const name = (index: number): string => cluster.names[index]!;
const genuine = (index: number): Buffer => cluster.bytes.get(name(index))!;
const foreign = (index: number): Buffer => withSystemIdentifier(genuine(index), foreignIdentifier(cluster.systemIdentifier));

/** Stores a file where get-wal finds it, readable by PostgreSQL's user (the local transport) and the archive user (ssh). */
const store = (server: string, relative: string, bytes: Buffer | string): Promise<void> =>
  writeOwned(`${barmanHome}/${server}/${relative}`, bytes, ARCHIVE_USER);
const storeSegment = (server: string, index: number, bytes: Buffer): Promise<void> =>
  store(server, `wals/${name(index).slice(0, 16)}/${name(index)}`, bytes);

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  cluster = await makeClusterSegments(6);
  idA = cluster.systemIdentifier.toString();
  idB = foreignIdentifier(cluster.systemIdentifier).toString();
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-sysid-restore-');
  const servers = ['pg', 'foreign', 'mixed', 'partial'].map((server) => ({ name: server }));
  ({ configPath, barmanHome } = await writeBarmanConfig({ dir: work, servers, owner: ARCHIVE_USER }));
  for (const index of cluster.names.keys()) {
    await storeSegment('pg', index, genuine(index));
    await storeSegment('foreign', index, foreign(index));
    // 'mixed': cluster A's history, except that segment 2 came from a clone.
    await storeSegment('mixed', index, index === 2 ? foreign(index) : genuine(index));
  }
  // 'partial': only pg_receivewal's .partial of segment 0, from the clone.
  await store('partial', `streaming/${name(0)}.partial`, foreign(0));
  dataA = await makeDataDir(work, 'data-a', cluster.pgControl);
  dataB = await makeDataDir(work, 'data-b', pgControlWith(cluster.pgControl, foreignIdentifier(cluster.systemIdentifier)));
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
});

/** walship-restore as restore_command runs it: PostgreSQL's user, cwd the data directory, %p relative. */
const restore = (dataDir: string, server: string, walName: string, flags: string[] = []): Promise<RunResult> =>
  run([binPath('walship-restore'), '--transport', 'local', '-c', configPath, ...flags, 'backup-host', server, walName, DEST], { user: PG_USER, cwd: dataDir });

const restoreOverSsh = (dataDir: string, server: string, walName: string): Promise<RunResult> =>
  run([binPath('walship-restore'), '-U', ARCHIVE_USER, '-c', configPath, sshd!.host, server, walName, DEST], { user: PG_USER, cwd: dataDir });

/** Exactly the lines of stderr that start with `prefix`. */
const linesStarting = (stderr: string, prefix: string): string[] => stderr.split('\n').filter((line) => line.startsWith(prefix));

/** One `<prefix>` line names both identifiers in decimal. */
function expectNamesBothIdentifiers(r: RunResult, prefix: 'ERROR: ' | 'WARNING: '): void {
  const lines = linesStarting(r.stderr, prefix).filter((line) => line.includes(idA) && line.includes(idB));
  expect(lines.length, `a ${prefix.trim()} line naming ${idA} and ${idB}\n${describeRun(r)}`).toBeGreaterThanOrEqual(1);
}

/** exit 2, an ERROR naming both identifiers, and nothing in pg_wal. */
async function expectRefused(r: RunResult, dataDir: string): Promise<void> {
  expect(r.code, describeRun(r)).toBe(2);
  expectNamesBothIdentifiers(r, 'ERROR: ');
  expect(await readdir(`${dataDir}/pg_wal`), 'WAL_DEST must not be created, and no temp file left').toEqual([]);
}

async function expectDelivered(r: RunResult, dataDir: string, bytes: Buffer): Promise<void> {
  expect(r.code, describeRun(r)).toBe(0);
  expect((await readFile(`${dataDir}/${DEST}`)).equals(bytes), 'WAL_DEST is byte-identical to the expected segment').toBe(true);
  await rm(`${dataDir}/${DEST}`); // PostgreSQL removes RECOVERYXLOG once it has replayed it
}

describe('walship-restore refuses a segment of another cluster (SPEC §7, issue 8 D6)', () => {
  it("a segment whose header names another system identifier than the data directory's pg_control exits 2 with an ERROR naming both, and WAL_DEST is not created", async () => {
    await expectRefused(await restore(dataA, 'foreign', name(0)), dataA);
    // The comparison is with the working directory's pg_control, not with any fixed cluster.
    await expectRefused(await restore(dataB, 'pg', name(0)), dataB);
  });

  it('a refused segment leaves a WAL_DEST that existed before untouched', async () => {
    await writeFile(`${dataA}/${DEST}`, 'from before');
    const r = await restore(dataA, 'foreign', name(1));
    expect(r.code, describeRun(r)).toBe(2);
    expect(await readFile(`${dataA}/${DEST}`, 'utf8')).toBe('from before');
    expect(await readdir(`${dataA}/pg_wal`)).toEqual(['RECOVERYXLOG']);
    await rm(`${dataA}/${DEST}`);
  });

  it('a segment is delivered byte-identical (exit 0, nothing on stderr) when pg_control names the cluster that wrote it', async () => {
    const r = await restore(dataA, 'pg', name(0));
    expect(r.stderr).toBe('');
    await expectDelivered(r, dataA, genuine(0));
    const b = await restore(dataB, 'foreign', name(0));
    expect(b.stderr).toBe('');
    await expectDelivered(b, dataB, foreign(0));
  });

  it('a .partial of another cluster (-P) is refused: exit 2, WAL_DEST not created', async () => {
    await expectRefused(await restore(dataA, 'partial', name(0), ['-P']), dataA);
  });

  it('over ssh, a segment of another cluster is refused the same way: exit 2, ERROR naming both, WAL_DEST not created', async () => {
    await expectRefused(await restoreOverSsh(dataA, 'foreign', name(3)), dataA);
    await expectDelivered(await restoreOverSsh(dataA, 'pg', name(3)), dataA, genuine(3));
  });

  it('history and .backup files have no page header and are delivered without a check', async () => {
    const history = `1\t0/${(0x2000000).toString(16).toUpperCase()}\tno recovery target specified\n`;
    const label = `START WAL LOCATION: 0/2000028 (file ${name(0)})\nSTOP WAL LOCATION: 0/2000100 (file ${name(0)})\n`;
    await store('foreign', 'wals/00000002.history', history);
    await store('foreign', `wals/${name(0).slice(0, 16)}/${name(0)}.00000028.backup`, label);
    const h = await restore(dataA, 'foreign', '00000002.history');
    expect(h.stderr).toBe('');
    await expectDelivered(h, dataA, Buffer.from(history));
    const b = await restore(dataA, 'foreign', `${name(0)}.00000028.backup`);
    expect(b.stderr).toBe('');
    await expectDelivered(b, dataA, Buffer.from(label));
  });
});

describe('without a readable pg_control the check is skipped with one NOTE', () => {
  it('a working directory without global/pg_control (pg_rewind, not a data directory): exit 0, delivered, exactly one NOTE line on stderr', async () => {
    const bare = await makeDataDir(work, 'no-control', undefined);
    const r = await restore(bare, 'foreign', name(0));
    expect(r.stderr, describeRun(r)).toMatch(/^NOTE: [^\n]+\n$/);
    await expectDelivered(r, bare, foreign(0));
  });

  it('a pg_control PostgreSQL\'s user cannot read: exit 0, delivered, exactly one NOTE line on stderr', async () => {
    const locked = await makeDataDir(work, 'locked-control', cluster.pgControl);
    await writeOwned(`${locked}/global/pg_control`, pgControlWith(cluster.pgControl, 1n), 'root', 0o600);
    const r = await restore(locked, 'foreign', name(0));
    expect(r.stderr, describeRun(r)).toMatch(/^NOTE: [^\n]+\n$/);
    await expectDelivered(r, locked, foreign(0));
  });
});

describe('the spool never delivers a segment of another cluster', () => {
  /** A private spool directory for one test (D1: owned by PostgreSQL's user, 0700). */
  async function spoolDir(tag: string): Promise<string> {
    const dir = `${work}/spool-${tag}`;
    await ensureOwnedDir(dir, await ensureUser(PG_USER), 0o700);
    return dir;
  }

  /** The namespace directory the first call created (one host, one server per spool here). */
  async function namespaceOf(spool: string): Promise<string> {
    const [host] = await readdir(spool);
    const [server] = await readdir(`${spool}/${host}`);
    return `${spool}/${host}/${server}`;
  }

  /** Waits (bounded) for the prefetch worker to finish, so the next call meets what it spooled. */
  async function workerFinished(ns: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const log = await readFile(`${ns}/.prefetch.log`, 'utf8').catch(() => '');
      if (/worker (done|failed)/.test(log)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('-p 4: the worker prefetches after segment N while N+1 in the archive is foreign; the call for N+1 exits 2, delivers nothing, and names both identifiers', async () => {
    const spool = await spoolDir('prefetched');
    const flags = ['-p', '4', '--spool-dir', spool];
    await expectDelivered(await restore(dataA, 'mixed', name(1), flags), dataA, genuine(1));
    const ns = await namespaceOf(spool);
    await workerFinished(ns);
    await expectRefused(await restore(dataA, 'mixed', name(2), flags), dataA);
    expect(await readdir(ns), 'the foreign copy is not left under its name in the spool').not.toContain(name(2));
    // Recovery goes on past it once the archive is fixed: the next segments are still served.
    await expectDelivered(await restore(dataA, 'mixed', name(3), flags), dataA, genuine(3));
  });

  it("a foreign file planted in the spool namespace (ours, 0600, fresh, right name and page address) is dropped with a WARNING naming both identifiers, and the archive's copy is delivered", async () => {
    const spool = await spoolDir('planted');
    const flags = ['-p', '1', '--spool-dir', spool];
    await expectDelivered(await restore(dataA, 'pg', name(0), flags), dataA, genuine(0));
    const ns = await namespaceOf(spool);
    await workerFinished(ns);
    await writeOwned(`${ns}/${name(4)}`, foreign(4), PG_USER, 0o600);
    expect((await stat(`${ns}/${name(4)}`)).mode & 0o777).toBe(0o600);

    const r = await restore(dataA, 'pg', name(4), flags);
    expect(r.code, describeRun(r)).not.toBe(1);
    const delivered = await readFile(`${dataA}/${DEST}`).catch(() => undefined);
    expect(delivered?.equals(foreign(4)) ?? false, 'the planted foreign bytes must never reach WAL_DEST').toBe(false);
    // D1: a spooled file that fails validation is removed and the segment fetched from the archive.
    expectNamesBothIdentifiers(r, 'WARNING: ');
    await expectDelivered(r, dataA, genuine(4));
    expect(await readdir(ns)).not.toContain(name(4));
  });
});
