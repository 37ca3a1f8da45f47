// issue 13 "Must show": a real PostgreSQL 15 archives >= 20 segments to the object store through
// walship-archive (sync, s3://) with failed_count 0, and a PITR from a base backup recovers through
// walship-restore from the store to a named restore point, table equal. Credentials come from a
// shared credentials file with a profile (AWS_SHARED_CREDENTIALS_FILE/AWS_PROFILE), not the environment.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCeph, type Ceph } from '../helpers/ceph.js';
import { makeTempDir, writeOwnedFile } from '../helpers/files.js';
import { waitFor } from '../helpers/poll.js';
import { baseBackup, startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath } from '../helpers/run.js';
import { ensureUser, PG_USER } from '../helpers/users.js';
import { ObjectStore } from '../../src/object-store/client.js';
import { resolveEndpoint } from '../../src/object-store/target.js';

const SEGMENTS = 22;
const TABLE_STATE = "select count(*) || ' ' || md5(string_agg(id::text || ':' || payload, ',' order by id)) from t";
let ceph: Ceph | undefined;
let primary: Pg | undefined;
let restored: Pg | undefined;
let work: string | undefined;

beforeAll(async () => {
  requireIntegration(['root', 'postgres', 'ceph', 'barman-cloud']);
  ceph = await startCeph();
  await ceph.createBucket('walship');
});

afterAll(async () => {
  await restored?.remove();
  await primary?.remove();
  await ceph?.stop();
  // The restored base backup lives in work/ (startPostgres removes only data dirs it created).
  if (work) await rm(work, { recursive: true, force: true });
});

it(`PostgreSQL 15 archives ${SEGMENTS}+ segments to radosgw through walship (failed_count 0) and recovers from them to a restore point`, async () => {
  work = await makeTempDir('walship-s3-pg-');
  const pgUser = await ensureUser(PG_USER);
  const credentials = `${work}/credentials`;
  await writeOwnedFile(credentials, `[walship]\naws_access_key_id = ${ceph!.accessKey}\naws_secret_access_key = ${ceph!.secretKey}\n`, pgUser, 0o600);
  const env = `env AWS_SHARED_CREDENTIALS_FILE=${credentials} AWS_PROFILE=walship`;
  const target = `--endpoint-url ${ceph!.endpoint} s3://walship/pg15 pg`;
  primary = await startPostgres({ settings: { archive_mode: 'on', archive_command: `${env} ${binPath('walship-archive')} ${target} %p` } });
  await primary.psql('create table t (id int primary key, payload text)');
  await primary.psql('insert into t select g, md5(g::text) from generate_series(1, 1000) g');
  const backupDir = `${work}/restored`;
  await baseBackup(primary, backupDir);
  // One segment per round: rows, then a switch; the table state at the restore point is the target.
  for (let round = 0; round < SEGMENTS; round++) {
    const from = 1001 + round * 1000;
    await primary.psql(`insert into t select g, md5(g::text || '${round}') from generate_series(${from}, ${from + 999}) g; select pg_switch_wal()`);
  }
  const atTarget = await primary.psql(TABLE_STATE);
  await primary.psql("select pg_create_restore_point('walship_target')");
  await primary.psql('delete from t where id % 2 = 0'); // after the target: recovery must not replay it
  const last = await primary.psql('select pg_walfile_name(pg_current_wal_lsn())');
  await primary.psql('select pg_switch_wal()');
  const archived = async (): Promise<boolean> => (await primary!.psql('select last_archived_wal from pg_stat_archiver')) >= last;
  await waitFor(`archiving up to ${last}`, archived, 180_000);
  const [archivedCount, failedCount] = (await primary.psql('select archived_count, failed_count from pg_stat_archiver')).split('|').map(Number);
  expect(failedCount).toBe(0);
  expect(archivedCount).toBeGreaterThanOrEqual(SEGMENTS);
  await primary.stop();

  const store = new ObjectStore({ endpoint: resolveEndpoint(ceph!.endpoint, {}), bucket: 'walship', credentials: { accessKeyId: ceph!.accessKey, secretAccessKey: ceph!.secretKey } });
  const keys = await store.listKeys('pg15/pg/wals/');
  store.close();
  expect(keys.filter((k) => /\/[0-9A-F]{24}$/.test(k)).length).toBeGreaterThanOrEqual(SEGMENTS);

  await writeOwnedFile(`${backupDir}/recovery.signal`, '', pgUser, 0o600);
  restored = await startPostgres({
    dataDir: backupDir,
    readyTimeoutMs: 300_000,
    settings: {
      archive_mode: 'off',
      restore_command: `${env} ${binPath('walship-restore')} ${target} %f %p`,
      recovery_target_name: 'walship_target',
      recovery_target_action: 'promote',
    },
  });
  await waitFor('promotion at the restore point', async () => (await restored!.psql('select pg_is_in_recovery()')) === 'f', 300_000);
  expect(await restored.psql(TABLE_STATE)).toBe(atTarget);
}, 600_000);
