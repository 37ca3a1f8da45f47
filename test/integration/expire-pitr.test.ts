// issue 12 "Must show": expire with two base backups taken by pg_basebackup. Keeping 1, the older
// backup's WAL and label are gone, check still finds the archive whole, and a point-in-time recovery
// from the kept backup through walship-restore reaches its restore point with the right table.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeOwnedFile } from '../helpers/files.js';
import { baseBackup, startPostgres, type Pg } from '../helpers/postgres.js';
import { waitFor } from '../helpers/poll.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun } from '../helpers/run.js';
import { ensureUser, PG_USER } from '../helpers/users.js';
import { check, expire, makeLocalArchive, switchSegment, waitArchived, type LocalArchive } from './check/archive.js';
import { readdir } from 'node:fs/promises';

const TABLE_STATE = "select count(*) || ' ' || md5(string_agg(id::text, ',' order by id)) from t";
let archive: LocalArchive;
let primary: Pg | undefined;
let restored: Pg | undefined;

const labels = async (): Promise<string[]> => (await readdir(archive.incoming)).filter((name) => name.endsWith('.backup')).sort();

beforeAll(async () => {
  requireIntegration(['root', 'postgres']);
  archive = await makeLocalArchive('walship-expire-');
}, 60_000);

afterAll(async () => {
  await restored?.remove();
  await primary?.remove();
});

it('expire --keep 1 removes the older backup\'s WAL; PITR from the kept backup still succeeds', async () => {
  primary = await startPostgres({ settings: { archive_mode: 'on', archive_command: archive.archiveCommand } });
  await primary.psql('create table t (id int)');
  await baseBackup(primary, `${archive.dir}/backup-1`);
  for (let i = 0; i < 3; i++) await switchSegment(primary);
  const keptDir = `${archive.dir}/backup-2`;
  await baseBackup(primary, keptDir);
  for (let i = 0; i < 3; i++) await switchSegment(primary);
  const atTarget = await primary.psql(TABLE_STATE);
  await primary.psql("select pg_create_restore_point('walship_expire_target')");
  await primary.psql('delete from t');
  const last = await switchSegment(primary);
  await waitArchived(primary, last);
  await primary.stop();

  const [older, kept] = await labels();
  expect(older).toBeDefined();
  expect(kept).toBeDefined();
  const cut = kept!.slice(0, 24);
  const before = (await readdir(archive.incoming)).filter((name) => /^[0-9A-F]{24}$/.test(name) && name < cut);
  expect(before.length).toBeGreaterThan(0);

  const dry = await expire(archive, ['--keep', '1', '--dry-run', 'pg']);
  expect(dry.code, describeRun(dry)).toBe(0);
  expect(dry.stdout.toString()).toContain(`would remove ${join(archive.incoming, older!)}`);
  expect(await labels()).toEqual([older, kept]);

  const run = await expire(archive, ['--keep', '1', 'pg']);
  expect(run.code, describeRun(run)).toBe(0);
  expect(run.stderr).toContain(`keeping 1 base backup(s) from ${cut}, 1 expired`);
  expect(await labels()).toEqual([kept]);
  const after = await readdir(archive.incoming);
  expect(after.filter((name) => /^[0-9A-F]{24}$/.test(name) && name < cut)).toEqual([]);
  expect(after).toContain(cut);
  const log = await readFile(join(archive.serverDir, 'walship-expire.log'), 'utf8');
  expect(log).toMatch(/ begin server=pg keep=1 cut=/);
  expect(log).toMatch(/ end server=pg removed=\d+ /);

  const whole = await check(archive, ['--nagios', 'pg']);
  expect(whole.code, describeRun(whole)).toBe(0);

  const pgUser = await ensureUser(PG_USER);
  await writeOwnedFile(`${keptDir}/recovery.signal`, '', pgUser, 0o600);
  restored = await startPostgres({
    dataDir: keptDir,
    readyTimeoutMs: 300_000,
    settings: { archive_mode: 'off', restore_command: archive.restoreCommand, recovery_target_name: 'walship_expire_target', recovery_target_action: 'promote' },
  });
  await waitFor('promotion at the restore point', async () => (await restored!.psql('select pg_is_in_recovery()')) === 'f', 300_000);
  expect(await restored.psql(TABLE_STATE)).toBe(atTarget);
  expect(await readFile(restored.logPath, 'utf8')).toContain('recovery stopping at restore point "walship_expire_target"');
  await access(join(archive.incoming, cut));
}, 600_000);
