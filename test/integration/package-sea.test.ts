// issue 11 "Must show": the single-file executable (dist/pkg) in the real setups. A PostgreSQL 15
// archives through dist/pkg/walship-archive (the sh fast path, exec'ing the binary) over a real
// sshd into the binary's `barman` symlink (walship-server), sync and --async (the agent is spawned
// as `walship archive-agent`); dist/pkg/walship-restore gives every segment back byte for byte;
// and each half works with Barman's: barman-cli 3.4's barman-wal-archive → the binary's
// walship-server, and the binary's walship-archive → Debian's barman 3.4 put-wal.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { seaPath, SEA_DIR, requireSea } from '../helpers/package.js';
import { waitFor } from '../helpers/poll.js';
import { startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, PG_USER } from '../helpers/users.js';
import { pgDestDir } from '../fixtures/restore/wals.js';
import { agentProcesses } from './async/cluster.js';

const SEGMENT_RE = /^[0-9A-F]{24}$/;
const CATCH_UP_MS = 180_000;

let sshd: Sshd;
let pg: Pg;
let work = '';
let walship = { configPath: '', barmanHome: '' };
let barman = { configPath: '', barmanHome: '' };

const archiveCommand = (flags: string): string => `${seaPath('walship-archive')} ${flags} -U ${ARCHIVE_USER} -c ${walship.configPath} ${sshd.host} pg %p`;

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres', 'barman', 'barman-cli']);
  requireSea();
  work = await makeTempDir('walship-sea-');
  // dist/pkg first on the archive user's PATH: its `barman` is the binary, run by that name.
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${SEA_DIR}:/usr/bin:/bin` }, { user: BARMAN_USER }] });
  for (const [name, owner] of [['walship', ARCHIVE_USER], ['barman', BARMAN_USER]] as const) {
    await run(['mkdir', '-m', '755', `${work}/${name}`]);
    const config = await writeBarmanConfig({ dir: `${work}/${name}`, servers: [{ name: 'pg' }], owner });
    if (name === 'walship') walship = config;
    else barman = config;
  }
  pg = await startPostgres({
    settings: { archive_mode: 'on', archive_command: archiveCommand(''), wal_keep_size: '1GB', checkpoint_timeout: '1h' },
  });
}, 300_000);

afterAll(async () => {
  // The --async agent writes its last log line after the postmaster is gone: wait for it first.
  await pg?.stop();
  await waitFor('the archive agent to exit', async () => (await agentProcesses((p) => p.cwd === pg.dataDir)).length === 0, 30_000).catch(() => undefined);
  await pg?.remove();
  await sshd?.stop();
  if (work !== '') await run(['rm', '-rf', work]);
});

const incoming = async (home: string): Promise<string[]> => (await readdir(`${home}/pg/incoming`)).filter((name) => SEGMENT_RE.test(name)).sort();

/** Switches `count` segments and waits until walship's incoming has them all, with no failure. */
async function archiveSegments(count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    await pg.psql('create table if not exists t (x int); insert into t select generate_series(1, 1000)');
    names.push(await pg.psql('select pg_walfile_name(pg_current_wal_lsn())'));
    await pg.psql('select pg_switch_wal()');
  }
  await waitFor(`${names.join(', ')} in walship's incoming`, async () => (await incoming(walship.barmanHome)).filter((n) => names.includes(n)).length === names.length, CATCH_UP_MS);
  expect(await pg.psql('select failed_count from pg_stat_archiver')).toBe('0');
  return names;
}

describe('dist/pkg/walship with PostgreSQL 15 over ssh', () => {
  it('archive_command = dist/pkg/walship-archive: switched segments reach incoming byte for byte', async () => {
    for (const name of await archiveSegments(3)) {
      expect((await readFile(`${walship.barmanHome}/pg/incoming/${name}`)).equals(await readFile(`${pg.dataDir}/pg_wal/${name}`)), name).toBe(true);
    }
  });

  it('--async: the agent runs as `walship archive-agent` and ships ahead of PostgreSQL', async () => {
    await pg.psql(`alter system set archive_command = '${archiveCommand('--async')}'`);
    await pg.psql('select pg_reload_conf()');
    await archiveSegments(3);
    const agents = await run(['pgrep', '-a', '-f', `${seaPath('walship')} archive-agent`]);
    expect(agents.stdout.toString(), describeRun(agents)).toContain('archive-agent');
  });

  it('dist/pkg/walship-restore (and its barman-wal-restore copy) return each archived segment byte for byte', async () => {
    const dir = await pgDestDir(work, 'restore');
    const names = await incoming(walship.barmanHome);
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const [i, name] of names.entries()) {
      const command = seaPath(i % 2 === 0 ? 'walship-restore' : 'barman-wal-restore');
      const r = await run([command, '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg', name, `${dir}/RECOVERYXLOG`], { user: PG_USER });
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(await readFile(`${walship.barmanHome}/pg/incoming/${name}`)), name).toBe(true);
    }
  });
});

describe('dist/pkg/walship with Barman 3.4', () => {
  /** A copy of a real segment in a directory PG_USER can read. */
  async function segmentCopy(tag: string): Promise<{ name: string; path: string; bytes: Buffer }> {
    const [name] = (await readdir(`${pg.dataDir}/pg_wal`)).filter((n) => SEGMENT_RE.test(n)).sort();
    const dir = await pgDestDir(work, tag);
    const bytes = await readFile(`${pg.dataDir}/pg_wal/${name!}`);
    await writeFile(`${dir}/${name!}`, bytes);
    await run(['chown', PG_USER, `${dir}/${name!}`]);
    return { name: name!, path: `${dir}/${name!}`, bytes };
  }

  it("barman-cli 3.4's barman-wal-archive → the binary's walship-server (its barman symlink)", async () => {
    const wal = await segmentCopy('cli-to-sea');
    await run(['rm', '-f', `${walship.barmanHome}/pg/incoming/${wal.name}`]);
    const r = await run(['/usr/bin/barman-wal-archive', '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg', wal.path], { user: PG_USER });
    expect(r.code, describeRun(r)).toBe(0);
    expect((await readFile(`${walship.barmanHome}/pg/incoming/${wal.name}`)).equals(wal.bytes)).toBe(true);
  });

  it("the binary's walship-archive → Debian's barman 3.4 put-wal (MD5SUMS, as Barman before 3.12 reads)", async () => {
    const wal = await segmentCopy('sea-to-barman');
    const r = await run([seaPath('walship-archive'), '--md5', '-U', BARMAN_USER, '-c', barman.configPath, sshd.host, 'pg', wal.path], { user: PG_USER });
    expect(r.code, describeRun(r)).toBe(0);
    expect((await readFile(`${barman.barmanHome}/pg/incoming/${wal.name}`)).equals(wal.bytes)).toBe(true);
  });
});
