// The real-components harness itself: sshd, PostgreSQL and Debian's barman, as other tests use them.
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { baseBackup, startPostgres } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd } from '../helpers/sshd.js';
import type { Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, ensureUser, PG_USER } from '../helpers/users.js';

const ARCHIVE_PATH = `${repoRoot}/bin:/usr/bin:/bin`;
const SEGMENT = '000000010000000000000001';

describe('integration harness', () => {
  let sshd: Sshd | undefined;
  let work = '';

  beforeAll(async () => {
    requireIntegration(['root', 'sshd', 'postgres', 'barman', 'barman-cli']);
    work = await makeTempDir('walship-harness-');
    sshd = await startSshd({
      clients: [PG_USER],
      servers: [{ user: ARCHIVE_USER, path: ARCHIVE_PATH }, { user: BARMAN_USER }],
    });
  });

  afterAll(async () => {
    await sshd?.stop();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  /** `ssh <server>@<alias> <command>` as the PostgreSQL user, the way barman-wal-archive calls it. */
  const sshAsPg = (server: string, command: string[], extra: string[] = []) =>
    run(['ssh', ...extra, `${server}@${sshd?.host}`, ...command], { user: PG_USER });

  it('the PostgreSQL user logs into the archive user through the Host alias, with the configured PATH', async () => {
    const r = await sshAsPg(ARCHIVE_USER, ['echo "$(id -un) $PATH"']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.toString().trim()).toBe(`${ARCHIVE_USER} ${ARCHIVE_PATH}`);
  });

  it('the PostgreSQL user logs into Debian\'s barman account, whose PATH finds /usr/bin/barman', async () => {
    const r = await sshAsPg(BARMAN_USER, ['id -un; command -v barman']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.toString()).toBe(`${BARMAN_USER}\n/usr/bin/barman\n`);
  });

  it('a wrong host key in known_hosts makes ssh fail with 255: keys are verified, never accepted', async () => {
    const pg = await ensureUser(PG_USER);
    const keygen = await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', `${work}/impostor`]);
    expect(keygen.code, describeRun(keygen)).toBe(0);
    const impostor = (await readFile(`${work}/impostor.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    const badKnownHosts = `${work}/bad_known_hosts`;
    await writeFile(badKnownHosts, `[127.0.0.1]:${sshd?.port} ${impostor}\n`, { mode: 0o644 });
    await chown(badKnownHosts, pg.uid, pg.gid);

    const r = await sshAsPg(ARCHIVE_USER, ['true'], ['-o', `UserKnownHostsFile=${badKnownHosts}`]);
    expect(r.code, describeRun(r)).toBe(255);
    expect(r.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });

  it('PostgreSQL 15 starts as the PostgreSQL user, answers queries and stops', async () => {
    // A free-text setting shows that quotes and backslashes survive postgresql.conf.
    const clusterName = String.raw`it's a back\slash`;
    const pg = await startPostgres({ settings: { cluster_name: clusterName } });
    try {
      expect(await pg.psql('select 1')).toBe('1');
      expect(await pg.psql('show server_version_num')).toMatch(/^15\d{4}$/);
      expect(await pg.psql('select current_user')).toBe(PG_USER);
      expect(await pg.psql('show cluster_name')).toBe(clusterName);
      await pg.stop();
      await expect(pg.psql('select 1')).rejects.toThrow(/psql failed/);
    } finally {
      await pg.remove();
    }
  });

  it('a base backup (WAL streamed) starts as a cluster of its own', async () => {
    const pg = await startPostgres();
    const backupDir = `${work}/basebackup`;
    try {
      await pg.psql('create table t as select 42 as answer');
      await baseBackup(pg, backupDir, { wal: 'stream' });
    } finally {
      await pg.remove();
    }
    const copy = await startPostgres({ dataDir: backupDir });
    try {
      expect(await copy.psql('select answer from t')).toBe('42');
    } finally {
      await copy.remove();
    }
  });

  describe('real barman-cli → ssh → real barman', () => {
    let dir = '';
    let configPath = '';
    let barmanHome = '';

    beforeAll(async () => {
      dir = await makeTempDir('walship-barman-');
      ({ configPath, barmanHome } = await writeBarmanConfig({ dir, servers: [{ name: 'pg' }], owner: BARMAN_USER }));
    });

    afterAll(async () => {
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    });

    it('barman-wal-archive --test reaches barman put-wal --test', async () => {
      const argv = ['/usr/bin/barman-wal-archive', '--test', '-c', configPath, sshd?.host ?? '', 'pg', 'DUMMY'];
      const r = await run(argv, { user: PG_USER });
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout.toString()).toContain('Ready to accept WAL files for the server pg');
    });

    it('barman-wal-archive delivers a segment byte for byte into incoming/', async () => {
      const segment = randomBytes(16 * 1024 * 1024);
      const walPath = `${work}/${SEGMENT}`;
      await writeFile(walPath, segment, { mode: 0o644 });
      const r = await run(['/usr/bin/barman-wal-archive', '-c', configPath, sshd?.host ?? '', 'pg', walPath], {
        user: PG_USER,
      });
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${barmanHome}/pg/incoming/${SEGMENT}`)).equals(segment)).toBe(true);
    });

    it('barman-wal-restore fetches a segment from wals/<first 16>/ byte for byte', async () => {
      const barman = await ensureUser(BARMAN_USER);
      const name = '000000010000000000000002';
      const segment = randomBytes(1024 * 1024);
      const hashDir = `${barmanHome}/pg/wals/${name.slice(0, 16)}`;
      await mkdir(hashDir, { recursive: true });
      await chown(hashDir, barman.uid, barman.gid);
      await writeFile(`${hashDir}/${name}`, segment, { mode: 0o644 });
      const destDir = await makeTempDir('walship-restore-');
      const pg = await ensureUser(PG_USER);
      await chown(destDir, pg.uid, pg.gid);

      const argv = ['/usr/bin/barman-wal-restore', '-c', configPath, sshd?.host ?? '', 'pg', name, `${destDir}/${name}`];
      const r = await run(argv, { user: PG_USER });
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${destDir}/${name}`)).equals(segment)).toBe(true);
      await rm(destDir, { recursive: true, force: true });
    });
  });
});
