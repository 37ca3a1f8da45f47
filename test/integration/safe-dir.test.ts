// issue 4: a real PostgreSQL 15 whose archive_command is `walship-safe-dir check`, and the Barman
// host's `walship-safe-dir notify` reaching it over a real sshd, with the environment Barman sets.
import { readdir, rm, symlink, chmod, chown, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { freePort } from '../helpers/free-port.js';
import { startPostgres } from '../helpers/postgres.js';
import type { Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd } from '../helpers/sshd.js';
import type { Sshd } from '../helpers/sshd.js';
import { BARMAN_USER, ensureUser, PG_USER } from '../helpers/users.js';

const SAFE_DIR_BIN = binPath('walship-safe-dir');
/** The PostgreSQL user's ssh sessions find walship-safe-dir (and node) on this PATH. */
const PG_SESSION_PATH = `${repoRoot}/bin:/usr/bin:/bin`;

/** The variables Barman 3.4 (barman/hooks.py) sets for post_archive_retry_script after archiving `segment`. */
function barmanHookEnv(segment: string, barmanHome: string): Record<string, string> {
  return {
    BARMAN_VERSION: '3.4.0',
    BARMAN_SERVER: 'pg',
    BARMAN_CONFIGURATION: `${barmanHome}/barman.conf`,
    BARMAN_HOOK: 'archive_retry_script',
    BARMAN_RETRY: '1',
    BARMAN_PHASE: 'post',
    BARMAN_SEGMENT: segment,
    BARMAN_FILE: `${barmanHome}/pg/wals/${segment.slice(0, 16)}/${segment}`,
    BARMAN_SIZE: String(16 * 1024 * 1024),
    BARMAN_TIMESTAMP: String(Date.now() / 1000),
    BARMAN_COMPRESSION: '',
    BARMAN_ERROR: '',
  };
}

const list = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

interface Archiver {
  archived_count: number;
  last_archived_wal: string;
  failed_count: number;
  last_failed_wal: string;
}

async function archiverStats(pg: Pg): Promise<Archiver> {
  const row = await pg.psql("select archived_count, coalesce(last_archived_wal, ''), failed_count, coalesce(last_failed_wal, '') from pg_stat_archiver");
  const [archived, lastArchived, failed, lastFailed] = row.split('|');
  return { archived_count: Number(archived), last_archived_wal: lastArchived ?? '', failed_count: Number(failed), last_failed_wal: lastFailed ?? '' };
}

/** Writes a little WAL and switches, returning the name of the segment that was just completed. */
async function completeSegment(pg: Pg): Promise<string> {
  await pg.psql('insert into t select generate_series(1, 1000)');
  const segment = await pg.psql('select pg_walfile_name(pg_current_wal_lsn())');
  await pg.psql('select pg_switch_wal()');
  return segment;
}

describe('walship-safe-dir with PostgreSQL 15 and a real sshd', () => {
  let sshd: Sshd | undefined;
  let pg: Pg | undefined;
  let work = '';
  let safeDir = '';

  beforeAll(async () => {
    requireIntegration(['root', 'sshd', 'postgres']);
    const pgUser = await ensureUser(PG_USER);
    await ensureUser(BARMAN_USER);
    // Reversed direction: the Barman host's user logs into the PostgreSQL user, owner of the safe dir.
    sshd = await startSshd({ clients: [BARMAN_USER], servers: [{ user: PG_USER, path: PG_SESSION_PATH }] });
    work = await makeTempDir('walship-safedir-');
    safeDir = `${work}/safe`;
    await ensureOwnedDir(safeDir, pgUser, 0o700);
    pg = await startPostgres({ settings: { archive_mode: 'on', archive_command: `${SAFE_DIR_BIN} check --dir ${safeDir} %f` } });
    await pg.psql('create table t (i int)');
  });

  afterAll(async () => {
    await pg?.remove();
    await sshd?.stop();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  const notifyAsBarman = (segment: string, extra: string[] = [], env: Record<string, string> = {}) =>
    run([SAFE_DIR_BIN, 'notify', '--host', sshd?.host ?? '', '--user', PG_USER, '--dir', safeDir, ...extra], {
      user: BARMAN_USER,
      env: { ...barmanHookEnv(segment, `${work}/barman`), ...env },
    });

  it('segments wait as .ready until Barman marks them, then PostgreSQL archives them and the markers are gone', async () => {
    const db = pg as Pg;
    const walDir = `${db.dataDir}/pg_wal`;
    const first = await completeSegment(db);
    const second = await completeSegment(db);

    // No marker: archive_command fails, the archiver keeps retrying the oldest segment.
    await expect.poll(async () => (await archiverStats(db)).failed_count, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(1);
    const waiting = await archiverStats(db);
    expect(waiting).toMatchObject({ archived_count: 0, last_archived_wal: '', last_failed_wal: first });
    const status = await list(`${walDir}/archive_status`);
    expect(status).toEqual(expect.arrayContaining([`${first}.ready`, `${second}.ready`]));
    expect(await list(safeDir)).toEqual([]);
    // Every new attempt fails again (a reload wakes the archiver from its 60 s nap after three failures).
    await db.psql('select pg_reload_conf()');
    await expect.poll(async () => (await archiverStats(db)).failed_count, { timeout: 30_000, interval: 200 }).toBeGreaterThan(waiting.failed_count);

    // Barman's post_archive_retry_script, once per archived segment, over real ssh.
    for (const segment of [first, second]) {
      const r = await notifyAsBarman(segment);
      expect(r.code, describeRun(r)).toBe(0);
      // The remote mark's own line comes through ssh's stderr, then notify's.
      expect(r.stderr).toBe(`marked ${segment} safe: ${safeDir}/${segment}.done\nmarked ${segment} safe on ${PG_USER}@${sshd?.host}\n`);
    }
    // (The archiver may already be taking them: it retries a failed file a few times a second apart.)
    // A reload wakes the archiver (otherwise it sleeps up to 60 s after its failures).
    await db.psql('select pg_reload_conf()');
    await expect.poll(async () => (await archiverStats(db)).last_archived_wal, { timeout: 60_000, interval: 200 }).toBe(second);
    expect((await archiverStats(db)).archived_count).toBe(2);
    expect(await list(`${walDir}/archive_status`)).toEqual(expect.arrayContaining([`${first}.done`, `${second}.done`]));
    expect(existsSync(`${walDir}/archive_status/${first}.ready`)).toBe(false);
    // Both markers were taken; the last taken one stays until PostgreSQL asks for another file.
    expect(await list(safeDir)).toEqual([`${second}.archived`]);

    const third = await completeSegment(db);
    await expect.poll(async () => (await archiverStats(db)).last_failed_wal, { timeout: 30_000, interval: 200 }).toBe(third);
    expect(await list(safeDir)).toEqual([]);
    expect((await archiverStats(db)).archived_count).toBe(2);

    // Leave the cluster in a state the next tests can reuse: mark and archive the third one too.
    const r = await notifyAsBarman(third, ['--remote-command', SAFE_DIR_BIN]);
    expect(r.code, describeRun(r)).toBe(0);
    await db.psql('select pg_reload_conf()');
    await expect.poll(async () => (await archiverStats(db)).last_archived_wal, { timeout: 60_000, interval: 200 }).toBe(third);
  });

  it('the remote mark validates again: a hostile name sent straight over ssh creates nothing', async () => {
    const before = { work: await list(work), safe: await list(safeDir) };
    const r = await run(['ssh', `${PG_USER}@${sshd?.host}`, 'walship-safe-dir', 'mark', '--dir', safeDir, '--', "'../../x'"], { user: BARMAN_USER });
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stderr).toBe('ERROR: "../../x" is not a valid WAL file name\n');
    expect(await list(safeDir)).toEqual(before.safe);
    expect(await list(work)).toEqual(before.work);
  });

  it('notify exits 0 and does nothing in the pre phase, and for a .partial', async () => {
    const before = await list(safeDir);
    const pre = await notifyAsBarman('000000010000000000000063', [], { BARMAN_PHASE: 'pre' });
    expect(pre.code, describeRun(pre)).toBe(0);
    const partial = await notifyAsBarman('000000010000000000000063.partial');
    expect(partial.code, describeRun(partial)).toBe(0);
    expect(await list(safeDir)).toEqual(before);
  });

  it('notify exits 62 without a marker when Barman says the archiving failed', async () => {
    const before = await list(safeDir);
    const r = await notifyAsBarman('000000010000000000000063', [], { BARMAN_ERROR: "[Errno 28] No space left on device" });
    expect(r.code, describeRun(r)).toBe(62);
    expect(await list(safeDir)).toEqual(before);
  });

  it('ssh down (sshd stopped, port closed): notify exits 1, not 62/63, so Barman retries', async () => {
    const before = await list(safeDir);
    const down = await startSshd({ clients: [BARMAN_USER], servers: [{ user: PG_USER, path: PG_SESSION_PATH }] });
    const viaDown = (segment: string) =>
      run([SAFE_DIR_BIN, 'notify', '--host', '127.0.0.1', '--port', String(down.port), '--user', PG_USER, '--dir', safeDir, '--connect-timeout', '5'], {
        user: BARMAN_USER,
        env: barmanHookEnv(segment, `${work}/barman`),
      });
    await down.stop();
    const stopped = await viaDown('000000010000000000000064');
    expect(stopped.code, describeRun(stopped)).toBe(1);
    // ssh's own reason is kept (no -q) for Barman's log; OpenSSH ends its log lines with \r\n.
    expect(stopped.stderr.replaceAll('\r', '')).toBe(`ssh: connect to host 127.0.0.1 port ${down.port}: Connection refused\nERROR: ssh to ${PG_USER}@127.0.0.1 failed (exit 255)\n`);

    const closed = await freePort();
    const r = await run([SAFE_DIR_BIN, 'notify', '--host', '127.0.0.1', '--port', String(closed), '--user', PG_USER], {
      user: BARMAN_USER,
      env: barmanHookEnv('000000010000000000000064', `${work}/barman`),
    });
    expect(r.code, describeRun(r)).toBe(1);
    expect(await list(safeDir)).toEqual(before);
  });

  it('notify exits 3 (Barman retries) when the remote mark refuses the safe dir', async () => {
    const r = await notifyAsBarman('000000010000000000000064', ['--dir', `${work}/no-such-dir`]);
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stderr).toContain(`ERROR: safe dir ${work}/no-such-dir does not exist\n`);
    expect(r.stderr).toContain(`ERROR: mark 000000010000000000000064 on ${PG_USER}@${sshd?.host} failed with exit status 4\n`);
  });
});

describe('check refuses a safe dir that is not private to the PostgreSQL user', () => {
  let work = '';
  const SEG = '000000010000000000000001';

  beforeAll(async () => {
    requireIntegration(['root']);
    await ensureUser(PG_USER);
    work = await makeTempDir('walship-safedir-refuse-');
  });

  afterAll(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  const checkAsPg = (dir: string) => run([SAFE_DIR_BIN, 'check', '--dir', dir, SEG], { user: PG_USER });

  /** A directory owned by the PostgreSQL user with the given mode, holding a marker for SEG. */
  async function pgDir(name: string, mode: number): Promise<string> {
    const user = await ensureUser(PG_USER);
    const dir = `${work}/${name}`;
    await mkdir(dir);
    await chown(dir, user.uid, user.gid);
    await chmod(dir, mode);
    return dir;
  }

  it('exit 4 for mode 0755, even with a marker inside, which stays untouched', async () => {
    const dir = await pgDir('open', 0o700);
    const mark = await run([SAFE_DIR_BIN, 'mark', '--dir', dir, SEG], { user: PG_USER });
    expect(mark.code, describeRun(mark)).toBe(0);
    await chmod(dir, 0o755);
    const r = await checkAsPg(dir);
    expect(r.code, describeRun(r)).toBe(4);
    expect(r.stderr).toBe(`ERROR: safe dir ${dir} has mode 0755, not 0700\nHINT: chmod 0700 ${dir}\n`);
    expect(await list(dir)).toEqual([`${SEG}.done`]);
  });

  it('exit 4 for a symlink to a good safe dir', async () => {
    const target = await pgDir('target', 0o700);
    const link = `${work}/link`;
    await symlink(target, link);
    const r = await checkAsPg(link);
    expect(r.code, describeRun(r)).toBe(4);
    expect(r.stderr).toBe(`ERROR: safe dir ${link} is a symbolic link\nHINT: use the real directory path; create it as the PostgreSQL user's private directory: install -d -m 0700 -o postgres -g postgres ${link}\n`);
  });

  it('exit 4 for a 0700 directory owned by someone else (root)', async () => {
    const dir = `${work}/roots`;
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o700);
    const r = await checkAsPg(dir);
    expect(r.code, describeRun(r)).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`^ERROR: safe dir ${dir} is owned by uid 0, not by the running user \\(uid \\d+\\)\n`));
  });

  it('exit 4 for a missing directory', async () => {
    const r = await checkAsPg(`${work}/missing`);
    expect(r.code, describeRun(r)).toBe(4);
    expect(r.stderr).toBe(`ERROR: safe dir ${work}/missing does not exist\nHINT: create it as the PostgreSQL user's private directory: install -d -m 0700 -o postgres -g postgres ${work}/missing\n`);
  });

  it('exit 3 for an invalid %f, distinct from "not yet" (1)', async () => {
    const dir = await pgDir('good', 0o700);
    const invalid = await run([SAFE_DIR_BIN, 'check', '--dir', dir, 'RECOVERYHISTORY'], { user: PG_USER });
    expect(invalid.code, describeRun(invalid)).toBe(3);
    const notYet = await checkAsPg(dir);
    expect(notYet.code, describeRun(notYet)).toBe(1);
  });
});
