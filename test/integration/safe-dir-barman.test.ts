// issue 4 end to end with Debian's real barman 3.4: pg_receivewal streams into Barman's streaming
// dir, `barman archive-wal` archives and runs post_archive_retry_script = walship-safe-dir notify
// with its own environment, and PostgreSQL's archive_command (walship-safe-dir check) then succeeds.
import { readdir, readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { startDaemon } from '../helpers/daemon.js';
import type { Daemon } from '../helpers/daemon.js';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { startPostgres } from '../helpers/postgres.js';
import type { Pg } from '../helpers/postgres.js';
import { PG_BIN, requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd } from '../helpers/sshd.js';
import type { Sshd } from '../helpers/sshd.js';
import { BARMAN_USER, ensureUser, loginEnv, PG_USER } from '../helpers/users.js';

const SAFE_DIR_BIN = binPath('walship-safe-dir');

const list = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

describe('walship-safe-dir as the post_archive_retry_script of a real barman', () => {
  let sshd: Sshd | undefined;
  let pg: Pg | undefined;
  let receiver: Daemon | undefined;
  let work = '';
  let safeDir = '';
  let configPath = '';
  let barmanHome = '';

  beforeAll(async () => {
    requireIntegration(['root', 'sshd', 'postgres', 'barman']);
    const pgUser = await ensureUser(PG_USER);
    const barman = await ensureUser(BARMAN_USER);
    sshd = await startSshd({ clients: [BARMAN_USER], servers: [{ user: PG_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
    work = await makeTempDir('walship-safedir-barman-');
    safeDir = `${work}/safe`;
    await ensureOwnedDir(safeDir, pgUser, 0o700);
    pg = await startPostgres({ settings: { archive_mode: 'on', archive_command: `${SAFE_DIR_BIN} check --dir ${safeDir} %f` } });
    await pg.psql('create table t (i int)');

    const conninfo = `host=${pg.socketDir} port=${pg.port} user=${PG_USER} dbname=postgres`;
    const notify = [SAFE_DIR_BIN, 'notify', '--host', sshd.host, '--user', PG_USER, '--dir', safeDir].join(' ');
    ({ configPath, barmanHome } = await writeBarmanConfig({
      dir: work,
      owner: BARMAN_USER,
      servers: [
        {
          name: 'pg',
          extra: {
            conninfo,
            streaming_conninfo: conninfo,
            archiver: 'off',
            streaming_archiver: 'on',
            // Barman 3 refuses a streaming-only archiver without a slot name (9.4+ slots are the modern
            // answer to what the safe dir solves); archive-wal only checks that it is configured.
            slot_name: 'barman',
            path_prefix: PG_BIN,
            post_archive_retry_script: notify,
          },
        },
      ],
    }));
    // What `barman receive-wal` runs, started directly so that the test owns the process.
    const argv = [`${PG_BIN}/pg_receivewal`, `--dbname=${conninfo}`, `--directory=${barmanHome}/pg/streaming`, '--no-loop', '--no-password', '--verbose'];
    receiver = startDaemon(argv, { logPath: `${work}/pg_receivewal.log`, user: barman, env: loginEnv(barman), lifetimeSignal: 'SIGTERM' });
  });

  afterAll(async () => {
    await receiver?.stop('SIGTERM');
    await pg?.remove();
    await sshd?.stop();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('a streamed segment is archived by barman, marked through the hook, then archived by PostgreSQL', async () => {
    const db = pg as Pg;
    await db.psql('insert into t select generate_series(1, 1000)');
    const segment = await db.psql('select pg_walfile_name(pg_current_wal_lsn())');
    await db.psql('select pg_switch_wal()');
    // Some WAL on the next segment, so that pg_receivewal closes the switched one.
    await db.psql('insert into t select generate_series(1, 10)');

    const streaming = `${barmanHome}/pg/streaming`;
    await expect.poll(() => list(streaming), { timeout: 30_000, interval: 200 }).toContain(segment);
    await expect.poll(async () => (await db.psql('select failed_count from pg_stat_archiver')) !== '0', { timeout: 30_000 }).toBe(true);
    expect(await list(safeDir)).toEqual([]);

    const archived = await run(['/usr/bin/barman', '-c', configPath, 'archive-wal', 'pg'], { user: BARMAN_USER, timeoutMs: 120_000 });
    expect(archived.code, describeRun(archived)).toBe(0);
    expect(await list(`${barmanHome}/pg/wals/${segment.slice(0, 16)}`)).toContain(segment);
    const log = await readFile(`${work}/barman.log`, 'utf8');
    expect(log, log).not.toMatch(/archive_retry_script|returned/);

    await db.psql('select pg_reload_conf()');
    await expect.poll(() => db.psql('select last_archived_wal from pg_stat_archiver'), { timeout: 60_000, interval: 200 }).toBe(segment);
    expect(await list(`${db.dataDir}/pg_wal/archive_status`)).toContain(`${segment}.done`);
    expect((await list(safeDir)).filter((entry) => entry.endsWith('.done'))).toEqual([]);
  });
});
