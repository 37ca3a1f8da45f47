// issue 9 WP3: `walship-restore --async` end to end with PostgreSQL 15, the tests' sshd and a
// walship archive. One primary archives a base backup plus >= 30 segments; each test recovers a
// copy of that backup (or makes calls shaped like PostgreSQL's or pg_rewind's) and checks what
// reached pg_wal, what stayed in the spool, and which agent processes are left.
import { execFile } from 'node:child_process';
import { access, chown, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreTargetKey } from '../../src/agent/target-key.js';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir, writeOwnedFile } from '../helpers/files.js';
import { baseBackup, startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ensureUser, PG_USER } from '../helpers/users.js';

const exec = promisify(execFile);
const SEGMENTS = 32;
const SEG_BYTES = 16 * 1024 * 1024;
const TABLE_STATE = "select count(*) || ' ' || md5(string_agg(id::text || ':' || payload, ',' order by id)) from t";
let sshd: Sshd | undefined;
let work = '';
let configPath = '';
let barmanHome = '';
let atTarget = '';
const started: Pg[] = [];
const mounts: string[] = [];

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
const slotDir = (dataDir: string): string => join(dataDir, 'pg_wal', '.walship', 'restore');

/** Restore agents whose cwd is dataDir (the agent runs in the data directory). */
async function agentsOf(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('restore-agent.js')) continue;
    if ((await readlink(`/proc/${entry}/cwd`).catch(() => '')) === dataDir) pids.push(Number(entry));
  }
  return pids;
}

/** Archived segment names, oldest first: put-wal leaves them in incoming/ (no Barman cron runs here). */
async function archivedSegments(): Promise<string[]> {
  return (await readdir(join(barmanHome, 'pg', 'incoming'))).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort();
}
const archivedBytes = (name: string): Promise<Buffer> => readFile(join(barmanHome, 'pg', 'incoming', name));

/** A fresh copy of the base backup (owned by PG_USER, as pg_basebackup left it). */
async function copyBackup(tag: string): Promise<string> {
  const dir = join(work, tag);
  await exec('cp', ['-a', join(work, 'base'), dir]);
  return dir;
}

function restoreCommand(extra: string[]): string {
  return [binPath('walship-restore'), '--async', '-p', '4', '--idle-exit', '30', ...extra, '-U', ARCHIVE_USER, '-c', configPath, '--reuse-connection', '30', sshd!.host, 'pg', '%f', '%p'].join(' ');
}

/** Recovers dataDir to the restore point with an async restore_command; `during` runs while it replays. */
async function recover(dataDir: string, extra: string[], during?: () => Promise<void>): Promise<Pg> {
  const pgUser = await ensureUser(PG_USER);
  await writeOwnedFile(join(dataDir, 'recovery.signal'), '', pgUser, 0o600);
  let done = false;
  const side = during === undefined ? Promise.resolve() : (async () => {
    while (!done) {
      await during();
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  })();
  const pg = await startPostgres({
    dataDir,
    readyTimeoutMs: 600_000,
    settings: { archive_mode: 'off', restore_command: restoreCommand(extra), recovery_target_name: 'walship_target', recovery_target_action: 'promote' },
  });
  started.push(pg);
  await waitUntil(async () => (await pg.psql('select pg_is_in_recovery()')) === 'f', 600_000, 'promotion at the restore point');
  done = true;
  await side;
  return pg;
}

/** After recovery ends: the agent exits and purges (design §2.2, issue 10's leftover spool). */
async function expectAgentGoneAndSpoolEmpty(dataDir: string): Promise<void> {
  await waitUntil(async () => (await agentsOf(dataDir)).length === 0 && !(await exists(join(slotDir(dataDir), 'agent.pid'))), 30_000, 'the agent to exit');
  expect(await readdir(join(slotDir(dataDir), 'ready'))).toEqual([]);
  expect(await readdir(join(slotDir(dataDir), 'inflight'))).toEqual([]);
  expect((await readdir(join(slotDir(dataDir), 'tmp'))).filter((n) => n.includes('restore-agent'))).toEqual([]);
}

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-async-restore-');
  ({ configPath, barmanHome } = await writeBarmanConfig({ dir: work, servers: [{ name: 'pg' }], owner: ARCHIVE_USER }));
  const archive = [binPath('walship-archive'), '-U', ARCHIVE_USER, '-c', configPath, sshd.host, 'pg', '%p'].join(' ');
  const primary = await startPostgres({ settings: { archive_mode: 'on', archive_command: archive } });
  started.push(primary);
  await primary.psql('create table t (id int primary key, payload text)');
  await primary.psql('insert into t select g, md5(g::text) from generate_series(1, 1000) g');
  await baseBackup(primary, join(work, 'base'));
  for (let i = 0; i < SEGMENTS; i++) {
    await primary.psql(`insert into t select g, md5(g::text || '${i}') from generate_series(${1001 + i * 40000}, ${1000 + (i + 1) * 40000}) g`);
    await primary.psql('select pg_switch_wal()');
  }
  atTarget = await primary.psql(TABLE_STATE);
  await primary.psql("select pg_create_restore_point('walship_target')");
  await primary.psql('delete from t where id % 2 = 0');
  const last = await primary.psql('select pg_walfile_name(pg_current_wal_lsn())');
  await primary.psql('select pg_switch_wal()');
  await waitUntil(async () => (await primary.psql('select last_archived_wal from pg_stat_archiver')) >= last, 300_000, `archiving up to ${last}`);
  await primary.stop();
}, 900_000);

afterAll(async () => {
  for (const pg of started) await pg.remove().catch(() => undefined);
  for (const mount of mounts) await exec('umount', ['-l', mount]).catch(() => undefined);
  await sshd?.stop();
});

describe('walship-restore --async with PostgreSQL 15', () => {
  it(`a PITR of ${SEGMENTS}+ segments through --async -p 4 matches the table; afterwards the agent is gone and ready/ is empty`, async () => {
    const dataDir = await copyBackup('pitr');
    const pg = await recover(dataDir, []);
    expect(await pg.psql(TABLE_STATE)).toBe(atTarget);
    const log = await readFile(pg.logPath, 'utf8');
    expect(new Set([...log.matchAll(/restored log file "([0-9A-F]{24})" from archive/g)].map((m) => m[1])).size).toBeGreaterThanOrEqual(SEGMENTS);
    const agentLog = await readFile(join(slotDir(dataDir), 'agent.log'), 'utf8');
    const published = [...agentLog.matchAll(/INFO: ready ([0-9A-F]{24})/g)].length;
    console.log(`async PITR: ${published} segments published into ready/ by the agent`);
    expect(published).toBeGreaterThan(SEGMENTS / 2); // most segments came through the queue, not a direct fetch
    expect(agentLog).toMatch(/stopped \(recovery ended\)/);
    await expectAgentGoneAndSpoolEmpty(dataDir);
  }, 900_000);

  it('kill -9 of the agent mid-fetch never leaves a partial file in ready/; the next call starts a new agent and recovery completes', async () => {
    const dataDir = await copyBackup('kill');
    let kills = 0;
    const badReady: string[] = [];
    const pg = await recover(dataDir, ['--queue-max', '64M'], async () => {
      const slot = slotDir(dataDir);
      const inflight = await readdir(join(slot, 'inflight')).catch(() => []);
      const pids = await agentsOf(dataDir);
      if (inflight.length > 0 && pids.length > 0 && kills < 5) {
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        kills++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        for (const name of await readdir(join(slot, 'ready')).catch(() => [])) {
          const size = (await stat(join(slot, 'ready', name)).catch(() => undefined))?.size;
          if (size !== undefined && (size !== SEG_BYTES || !/^[0-9A-F]{24}$/.test(name))) badReady.push(`${name} ${size}`);
        }
      }
    });
    expect(kills).toBeGreaterThan(0);
    expect(badReady).toEqual([]);
    expect(await pg.psql(TABLE_STATE)).toBe(atTarget);
    await expectAgentGoneAndSpoolEmpty(dataDir);
  }, 900_000);

  // 40 MiB: less than the agent's floor for one fetch (itself plus two segments of 16 MiB), so it
  // stays paused and every restore_command call reports it; with room for one segment it would
  // pause and resume between calls, and whether a call lands in a pause would be a race.
  it('spool full (pg_wal/.walship on a 40 MiB tmpfs, default --queue-max): the agent pauses, PostgreSQL\'s log says so, recovery completes through direct fetches', async () => {
    const dataDir = await copyBackup('full');
    const pgUser = await ensureUser(PG_USER);
    const state = join(dataDir, 'pg_wal', '.walship');
    await mkdir(state, { mode: 0o700 });
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0700', 'tmpfs', state]);
    mounts.push(state);
    await chown(state, pgUser.uid, pgUser.gid);
    const pg = await recover(dataDir, []);
    expect(await pg.psql(TABLE_STATE)).toBe(atTarget);
    const log = await readFile(pg.logPath, 'utf8');
    const agentLog = await readFile(join(slotDir(dataDir), 'agent.log'), 'utf8');
    expect(agentLog).toMatch(/spool paused: \d+ MiB free on pg_wal/);
    expect(log, agentLog).toMatch(/WARNING: async restore: spool paused: \d+ MiB free on pg_wal/);
    await expectAgentGoneAndSpoolEmpty(dataDir);
  }, 900_000);

  describe('calls shaped like PostgreSQL’s and pg_rewind’s (as root, local transport)', () => {
    const args = (walName: string, dest: string): string[] => ['--async', '-p', '2', '--transport', 'local', '-c', configPath, 'local', 'pg', walName, dest];

    /** A data dir whose slot is armed for a "postmaster" that is this test process. */
    async function armedDataDir(tag: string, name: string): Promise<{ dataDir: string; ready: string; pmText: string }> {
      const dataDir = await copyBackup(tag);
      await exec('chown', ['-R', 'root:root', dataDir]);
      const pmText = `${process.pid} ${Math.floor(Date.now() / 1000)}`;
      const [pid, start] = pmText.split(' ');
      await writeFile(join(dataDir, 'postmaster.pid'), `${pid}\n${dataDir}\n${start}\n5432\n`);
      const slot = slotDir(dataDir);
      for (const dir of ['', 'ready', 'inflight', 'asked', 'served', 'status', 'tmp']) await mkdir(join(slot, dir), { recursive: true, mode: 0o700 });
      await writeFile(join(dataDir, 'pg_wal', '.walship', 'VERSION'), '1\n');
      await writeFile(join(slot, 'target'), `${restoreTargetKey(args(name, 'pg_wal/RECOVERYXLOG'), {})}\n`);
      await writeFile(join(slot, 'pm'), `${pmText}\n`);
      return { dataDir, ready: join(slot, 'ready', name), pmText };
    }

    const stale: Array<[string, (bytes: Buffer) => Buffer, (dataDir: string) => Promise<void>, RegExp | undefined]> = [
      ['an old postmaster fence (pm)', (b) => { const c = Buffer.from(b); c.write('planted', 4096); return c; }, (d) => writeFile(join(slotDir(d), 'pm'), '1 1\n'), undefined],
      ['another timeline (header timeline 2 under a timeline 1 name)', (b) => { const c = Buffer.from(b); c.writeUInt32LE(2, 4); return c; }, async () => undefined, /header timeline 2/],
      ['a foreign system identifier', (b) => { const c = Buffer.from(b); c.writeBigUInt64LE(c.readBigUInt64LE(24) ^ 1n, 24); return c; }, async () => undefined, /system identifier/],
    ];
    for (const [what, plant, tweak, warning] of stale) {
      it(`a stale ready/ entry with ${what} is never served: %p gets the archive's bytes`, async () => {
        const name = (await archivedSegments())[5]!;
        const { dataDir, ready } = await armedDataDir(`stale-${stale.findIndex((s) => s[0] === what)}`, name);
        const archived = await archivedBytes(name);
        await writeFile(ready, plant(archived), { mode: 0o600 });
        await tweak(dataDir);
        // Under the current fence, bin/'s sh fast path hands ready/ entries over without reading them:
        // only the agent's publish gate writes there, in a 0700 slot inside postgres's own pg_wal (see
        // the README's threat model). What the Node path does with a bad entry under the current fence
        // (one WARNING, removed, the archive's bytes delivered) is tested by running the same
        // executable with node, which skips the sh part; a stale fence goes through bin/ itself.
        const entry = warning ? [process.execPath, binPath('walship-restore')] : [binPath('walship-restore')];
        const r = await run([...entry, ...args(name, 'pg_wal/RECOVERYXLOG')], { cwd: dataDir });
        expect(r.code, describeRun(r)).toBe(0);
        expect((await readFile(join(dataDir, 'pg_wal', 'RECOVERYXLOG'))).equals(archived)).toBe(true);
        if (warning) {
          expect(r.stderr).toMatch(warning);
          expect(await exists(ready)).toBe(false); // removed by the call that refused it
        }
      });
    }

    it('a pg_rewind-shaped call (absolute %p named %f, cwd elsewhere) creates no spool, no markers, no agent, and checks the system identifier', async () => {
      const name = (await archivedSegments())[3]!;
      const dataDir = await copyBackup('rewind');
      await exec('chown', ['-R', 'root:root', dataDir]);
      const dest = join(dataDir, 'pg_wal', name);
      const r = await run([binPath('walship-restore'), ...args(name, dest)], { cwd: work });
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(dest)).equals(await archivedBytes(name))).toBe(true);
      expect(await exists(join(dataDir, 'pg_wal', '.walship'))).toBe(false);
      expect(await exists(join(work, 'pg_wal'))).toBe(false);
      expect(await agentsOf(dataDir)).toEqual([]);
      expect(await agentsOf(work)).toEqual([]);

      // The same call against a target whose pg_control belongs to another cluster.
      const control = join(dataDir, 'global', 'pg_control');
      const bytes = await readFile(control);
      bytes.writeBigUInt64LE(bytes.readBigUInt64LE(0) ^ 1n, 0);
      await writeFile(control, bytes);
      const other = join(dataDir, 'pg_wal', (await archivedSegments())[4]!);
      const refused = await run([binPath('walship-restore'), ...args(other.split('/').at(-1)!, other)], { cwd: work });
      expect(refused.code, describeRun(refused)).toBe(2);
      expect(refused.stderr).toMatch(/belongs to another cluster: its header has system identifier \d+, expected \d+/);
      expect(await exists(other)).toBe(false);
    });
  });
});
