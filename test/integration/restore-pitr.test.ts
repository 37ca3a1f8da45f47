// issue 3 "Must show": point-in-time recovery end to end with PostgreSQL 15. A primary archives
// through walship-archive over a real sshd into walship-server; a base backup plus >= 30 archived
// segments are then replayed through walship-restore -p 8 up to a named restore point, and the
// table equals what it was at that point. restore_command uses --reuse-connection, as a production
// standby should (one OpenSSH master instead of a handshake per call).
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { ensureOwnedDir, makeTempDir, writeOwnedFile } from '../helpers/files.js';
import { baseBackup, startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, repoRoot } from '../helpers/run.js';
import { prefetchLog } from '../fixtures/restore/spool-log.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ensureUser, PG_USER } from '../helpers/users.js';

const SEGMENTS = 32;
let sshd: Sshd | undefined;
let primary: Pg | undefined;
let restored: Pg | undefined;
let work = '';
let configPath = '';

const TABLE_STATE = "select count(*) || ' ' || md5(string_agg(id::text || ':' || payload, ',' order by id)) from t";

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-pitr-');
  configPath = (await writeBarmanConfig({ dir: work, servers: [{ name: 'pg' }], owner: ARCHIVE_USER })).configPath;
}, 120_000);

afterAll(async () => {
  await restored?.remove();
  await primary?.remove();
  await sshd?.stop();
});

describe('point-in-time recovery through walship-restore -p 8', () => {
  it(`replays a base backup plus ${SEGMENTS}+ archived segments to a restore point; the table matches`, async () => {
    const archive = [binPath('walship-archive'), '-U', ARCHIVE_USER, '-c', configPath, sshd!.host, 'pg', '%p'].join(' ');
    primary = await startPostgres({ settings: { archive_mode: 'on', archive_command: archive } });
    await primary.psql('create table t (id int primary key, payload text)');
    await primary.psql("insert into t select g, md5(g::text) from generate_series(1, 1000) g");

    const pgUser = await ensureUser(PG_USER);
    const backupDir = `${work}/restored`;
    await baseBackup(primary, backupDir);

    // At least SEGMENTS full segments of real changes after the backup.
    for (let i = 0; i < SEGMENTS; i++) {
      await primary.psql(`insert into t select g, md5(g::text || '${i}') from generate_series(${1001 + i * 40000}, ${1000 + (i + 1) * 40000}) g`);
      await primary.psql('select pg_switch_wal()');
    }
    const atTarget = await primary.psql(TABLE_STATE);
    await primary.psql("select pg_create_restore_point('walship_target')");
    // Changes after the target that recovery must not replay.
    await primary.psql('delete from t where id % 2 = 0');
    const last = await primary.psql('select pg_walfile_name(pg_current_wal_lsn())');
    await primary.psql('select pg_switch_wal()');
    await waitUntil(async () => (await primary!.psql('select last_archived_wal from pg_stat_archiver')) >= last, 180_000, `archiving up to ${last}`);
    expect(await primary.psql(TABLE_STATE)).not.toBe(atTarget);
    await primary.stop();

    const spool = `${work}/spool`;
    await ensureOwnedDir(spool, pgUser, 0o700);
    const callLog = `${work}/restore-calls.log`;
    await writeOwnedFile(callLog, '', pgUser, 0o644);
    const restoreCommand = [`${repoRoot}/test/fixtures/restore/timed`, callLog, binPath('walship-restore'), '-U', ARCHIVE_USER, '-c', configPath, '-p', '8', '--reuse-connection', '30', '--spool-dir', spool, sshd!.host, 'pg', '%f', '%p'].join(' ');
    await writeOwnedFile(`${backupDir}/recovery.signal`, '', pgUser, 0o600);
    const started = Date.now();
    restored = await startPostgres({
      dataDir: backupDir,
      readyTimeoutMs: 600_000,
      settings: {
        archive_mode: 'off',
        restore_command: restoreCommand,
        recovery_target_name: 'walship_target',
        recovery_target_action: 'promote',
      },
    });
    await waitUntil(async () => (await restored!.psql('select pg_is_in_recovery()')) === 'f', 600_000, 'promotion at the restore point');
    const seconds = (Date.now() - started) / 1000;

    expect(await restored.psql(TABLE_STATE)).toBe(atTarget);
    const log = await readFile(restored.logPath, 'utf8');
    const restoredSegments = new Set([...log.matchAll(/restored log file "([0-9A-F]{24})" from archive/g)].map((m) => m[1]));
    expect(restoredSegments.size).toBeGreaterThanOrEqual(SEGMENTS);
    expect(log).toContain('recovery stopping at restore point "walship_target"');
    // Per-call cost as PostgreSQL saw it, from the timing wrapper around restore_command.
    const calls = (await readFile(callLog, 'utf8')).trim().split('\n').map((line) => line.split(' '));
    const delivered = calls.filter(([, status]) => status === '0').map(([ms]) => Number(ms)).sort((a, b) => a - b);
    expect(delivered.length).toBeGreaterThanOrEqual(SEGMENTS);
    const mean = delivered.reduce((sum, ms) => sum + ms, 0) / delivered.length;
    console.log(
      `PITR: ${restoredSegments.size} segments restored through walship-restore -p 8; ${seconds.toFixed(1)} s from start to promotion; ` +
        `${delivered.length} files delivered in ${calls.length} calls: mean ${mean.toFixed(0)} ms, median ${delivered[delivered.length >> 1]} ms, max ${delivered.at(-1)} ms per delivered file; table state ${atTarget}`,
    );
    if (process.env['WALSHIP_DEBUG_PITR']) console.log(`${calls.map((call) => call.join(' ')).join('\n')}\n${await prefetchLog(spool)}`);
  }, 900_000);
});
