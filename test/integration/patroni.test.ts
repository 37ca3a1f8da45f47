// issue 10 item 2: walship under Patroni 3.0.2 (Debian's patroni) with etcd 3.4 (Debian's etcd-server)
// on 127.0.0.1. Every member archives with walship-archive over the test sshd to walship-server, and
// replicas restore with walship-restore -p 8 (Patroni's recovery_conf), use_pg_rewind: true.
// A kill -9 of the leader's postmaster under pgbench load, a replica built from a -X none base backup
// plus the archive (create_replica_methods), and a new cluster bootstrapped by point-in-time recovery.
// The failover runs a second time on a fresh two-member cluster with the async modes (issue 10
// "Must show": `walship-archive --async`, `walship-restore --async -p 4`). Every scenario: no ERROR
// line of walship in the members' logs, nothing prefetched left once recovery ended.
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { startEtcd, type Etcd } from '../helpers/etcd.js';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { isLeaderRole, isStreamingReplica, roleOf, startPatroniMember, type PatroniMember } from '../helpers/patroni.js';
import { waitFor } from '../helpers/poll.js';
import { PG_BIN, requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ensureUser, PG_USER } from '../helpers/users.js';
import { archivedNames, auditedCommand, parseSegment, readRestoreCalls, segmentName, spooledSegments, systemIdentifier, wrongDeliveries } from '../helpers/wal-audit.js';
import { asyncReadyEntries, notInArchiveLines, processesIn, walshipErrorLines } from '../helpers/walship-leftovers.js';

const SERVER = 'pg';
const PITR_SERVER = 'pitr';
/** The async run's own cluster archives here, so its timelines never mix with the sync run's. */
const ASYNC_SERVER = 'pga';
type Mode = 'sync' | 'async';
const FIXTURES = `${repoRoot}/test/fixtures/orchestrators`;
const BANK_STATE = "select count(*) || ' ' || sum(abalance) from pgbench_accounts";

let sshd: Sshd | undefined;
let etcd: Etcd | undefined;
let work = '';
let configPath = '';
let barmanHome = '';
const members: PatroniMember[] = [];
let sysid = 0n;
const backupDir = () => `${work}/pitr-backup`;

/** walship-archive to `server`, and an audited walship-restore (sync: -p 8 with the member's own spool; async: --async -p 4). */
const archiveCommand = (server: string, mode: Mode = 'sync'): string =>
  [binPath('walship-archive'), ...(mode === 'async' ? ['--async'] : []), '-U', ARCHIVE_USER, '-c', configPath, sshd!.host, server, '%p'].join(' ');
const restoreCommand = (home: string, mode: Mode = 'sync', server = SERVER): string => {
  const flags = mode === 'async' ? ['--async', '-p', '4'] : ['-p', '8', '--spool-dir', `${home}/spool`];
  return auditedCommand(`${home}/restore-calls.log`, [binPath('walship-restore'), ...flags, '-U', ARCHIVE_USER, '-c', configPath, sshd!.host, server, '%f', '%p']);
};

const PG_HBA = ['local all all trust', 'local replication all trust', 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust'];

/** One Patroni member of the `walship` scope (or its async twin); the first to start bootstraps the cluster with initdb. */
async function startMember(name: string, extra: Record<string, unknown> = {}, mode: Mode = 'sync'): Promise<PatroniMember> {
  const server = mode === 'async' ? ASYNC_SERVER : SERVER;
  const member = await startPatroniMember({
    scope: mode === 'async' ? 'walship-async' : 'walship',
    name,
    dir: `${work}/members`,
    etcdEndpoint: etcd!.endpoint,
    bootstrap: {
      dcs: {
        ttl: 20,
        loop_wait: 1,
        retry_timeout: 5,
        // Fail over at once when the primary crashes, even to a replica a few segments behind.
        primary_start_timeout: 0,
        maximum_lag_on_failover: 1073741824,
        postgresql: {
          use_pg_rewind: true,
          use_slots: false,
          parameters: { archive_mode: 'on', archive_command: archiveCommand(server, mode), wal_keep_size: '16MB', fsync: 'off' },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }],
      pg_hba: PG_HBA,
    },
    postgresql: ({ home }) => ({ recovery_conf: { restore_command: restoreCommand(home, mode, server) }, ...extra }),
  });
  members.push(member);
  return member;
}

async function leaderOf(candidates: PatroniMember[]): Promise<PatroniMember | undefined> {
  for (const m of candidates) if (isLeaderRole(await roleOf(m))) return m;
  return undefined;
}

const replayedTo = async (m: PatroniMember, lsn: string): Promise<boolean> =>
  (await m.psql(`select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`)) === 't';
const archivedUpTo = async (m: PatroniMember, segment: string): Promise<boolean> =>
  (await m.psql("select coalesce(last_archived_wal, '') from pg_stat_archiver")) >= segment;

/** Switch to a new segment and wait until the member has archived the one it left. */
async function switchAndArchive(m: PatroniMember): Promise<string> {
  const segment = await m.psql('select pg_walfile_name(pg_current_wal_lsn())');
  await m.psql('select pg_switch_wal()');
  await waitFor(`${m.name} archiving ${segment}`, () => archivedUpTo(m, segment), 60_000);
  return segment;
}

async function onFailure<T>(promise: Promise<T>, ...logs: PatroniMember[]): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    const tails = await Promise.all(logs.map(async (m) => `--- ${m.logPath} ---\n${(await readFile(m.logPath, 'utf8')).slice(-6000)}`));
    throw new Error(`${String(err)}\n${tails.join('\n')}`);
  }
}

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres', 'patroni']);
  const pgUser = await ensureUser(PG_USER);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-patroni-');
  await ensureOwnedDir(`${work}/members`, pgUser, 0o755);
  const config = await writeBarmanConfig({ dir: work, servers: [{ name: SERVER }, { name: PITR_SERVER }, { name: ASYNC_SERVER }], owner: ARCHIVE_USER });
  configPath = config.configPath;
  barmanHome = config.barmanHome;
  etcd = await startEtcd(work);

  const m1 = await startMember('m1');
  await onFailure(waitFor('m1 bootstrapped as leader', async () => isLeaderRole(await roleOf(m1)), 60_000), m1);
  const m2 = await startMember('m2');
  await onFailure(waitFor('m2 streaming from m1', () => isStreamingReplica(m2), 60_000), m2);
  sysid = await systemIdentifier(m1.dataDir, PG_USER);
  const init = await run([`${PG_BIN}/pgbench`, '-h', '127.0.0.1', '-p', String(m1.pgPort), '-i', '-s', '1', '-q', 'postgres'], { user: PG_USER });
  if (init.code !== 0) throw new Error(`pgbench -i failed\n${describeRun(init)}`);
  await m1.psql('create table marks (id serial primary key, label text, at timestamptz default clock_timestamp())');
  // The base backup the point-in-time recovery test starts from (timeline 1, before the failover).
  await ensureOwnedDir(backupDir(), pgUser, 0o700);
  const backup = await run([`${PG_BIN}/pg_basebackup`, '-h', '127.0.0.1', '-p', String(m1.pgPort), '-D', backupDir(), '-X', 'none', '-c', 'fast', '--no-sync'], { user: PG_USER, timeoutMs: 120_000 });
  if (backup.code !== 0) throw new Error(`pg_basebackup failed\n${describeRun(backup)}`);
}, 240_000);

afterAll(async () => {
  for (const m of members.reverse()) await m.stop();
  await etcd?.stop();
  await sshd?.stop();
  if (work !== '' && !process.env['WALSHIP_KEEP_TEST_DIRS']) await rm(work, { recursive: true, force: true });
});

/**
 * The failover scenario, for either mode: kill -9 of m1's postmaster under pgbench while m2's WAL
 * receiver is held, m2 promoted, m1 rewound through walship-restore; every check of issue 10 item 2.
 */
async function failover(m1: PatroniMember, m2: PatroniMember, mode: Mode): Promise<void> {
  const server = mode === 'async' ? ASYNC_SERVER : SERVER;
  const pgbench = run([`${PG_BIN}/pgbench`, '-h', '127.0.0.1', '-p', String(m1.pgPort), '-n', '-c', '2', '-T', '60', 'postgres'], { user: PG_USER, timeoutMs: 120_000 });
  await waitFor('pgbench load on m1', async () => Number(await m1.psql('select count(*) from pgbench_history')) > 100, 30_000);
  // Hold the replica's WAL receiver while the leader moves on: the leader then checkpoints past the
  // point the replica will promote at and removes those segments, so pg_rewind must fetch them
  // through restore_command (--restore-target-wal), as after any failover to a lagging replica.
  await m1.psql('checkpoint');
  const receiver = Number(await m2.psql('select pid from pg_stat_wal_receiver'));
  process.kill(receiver, 'SIGSTOP');
  let lastArchived = '';
  try {
    for (let i = 0; i < 4; i++) lastArchived = await switchAndArchive(m1);
    await m1.psql('checkpoint');
    process.kill((await m1.postmasterPid())!, 'SIGKILL');
  } finally {
    process.kill(receiver, 'SIGCONT');
  }
  const load = await pgbench;
  expect(load.code, 'pgbench saw the leader die').not.toBe(0);

  await onFailure(waitFor('m2 promoted', async () => isLeaderRole(await roleOf(m2)), 90_000), m1, m2);
  await onFailure(waitFor('m1 rejoined as a streaming replica', () => isStreamingReplica(m1), 120_000), m1, m2);
  expect(await m2.psql('select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)')).toBe('00000002');

  // The new leader archives on timeline 2, its .history first.
  await m2.psql("insert into marks (label) values ('after failover')");
  const tl2Segment = await switchAndArchive(m2);
  expect(parseSegment(tl2Segment)?.tli).toBe(2);
  const names = await archivedNames(`${barmanHome}/${server}`);
  expect(names.has('00000002.history')).toBe(true);

  // pg_rewind ran on m1 and got WAL through walship-restore: its calls run outside the data dir.
  const log = await readFile(m1.logPath, 'utf8');
  expect(log).toMatch(/running pg_rewind from/);
  expect(log).toMatch(/pg_rewind exit code=0/);
  const m1Calls = await readRestoreCalls(`${m1.home}/restore-calls.log`);
  const rewindCalls = m1Calls.filter((c) => c.cwd !== m1.dataDir);
  const rewindSegments = rewindCalls.filter((c) => c.status === 0 && parseSegment(c.name));
  expect(rewindSegments.length).toBeGreaterThanOrEqual(1);
  expect(rewindSegments.every((c) => parseSegment(c.name)?.tli === 1)).toBe(true);

  const calls = [...m1Calls, ...(await readRestoreCalls(`${m2.home}/restore-calls.log`))];
  const clusterSysid = await systemIdentifier(m2.dataDir, PG_USER);
  expect(await wrongDeliveries(calls, `${barmanHome}/${server}`, clusterSysid)).toEqual([]);
  const end = await m2.psql('select pg_current_wal_lsn()');
  await waitFor('m1 replaying m2', () => replayedTo(m1, end), 60_000);
  const bank = await m2.psql(BANK_STATE);
  expect(await m1.psql(BANK_STATE)).toBe(bank);
  expect(await m1.psql('select count(*) from marks')).toBe(await m2.psql('select count(*) from marks'));
  const partials = [...names].filter((n) => n.endsWith('.partial'));
  const fullAndPartial = partials.filter((p) => names.has(p.replace(/\.partial$/, '')));
  // issue 10: "not in the archive" is routine (every promotion probes .history files): no ERROR line.
  expect(await walshipErrorLines(m1.logPath), `walship ERROR lines in ${m1.name}'s log`).toEqual([]);
  expect(await walshipErrorLines(m2.logPath), `walship ERROR lines in ${m2.name}'s log`).toEqual([]);
  const notes = (await notInArchiveLines(m1.logPath)).length + (await notInArchiveLines(m2.logPath)).length;
  const left = mode === 'sync' ? await syncSpoolsEmptied(m1, m2) : await asyncLeftNothing(m1, m2);
  console.log(
    `Patroni failover (${mode}): kill -9 of m1's postmaster under pgbench (last archived before the kill ${lastArchived}); m2 promoted to timeline 2 and archived ` +
      `00000002.history and ${tl2Segment}; m1 rejoined through pg_rewind --restore-target-wal, which fetched ${rewindSegments.length} segments ` +
      `(${rewindSegments.map((c) => c.name).join(' ')}) through walship-restore; ${calls.filter((c) => c.status === 0).length} deliveries in ` +
      `${calls.length} calls, none wrong (bytes = archive, page address, system identifier ${clusterSysid}); archive holds both full and .partial of ` +
      `${fullAndPartial.join(', ') || 'none'}; pgbench_accounts match: ${bank}; 0 ERROR lines of walship (${notes} NOTE lines); ${left}`,
  );
}

/** Sync -p: m2's recovery ended (its worker sweeps at once); m1 is a replica again (its worker sweeps after its idle hold). */
async function syncSpoolsEmptied(m1: PatroniMember, m2: PatroniMember): Promise<string> {
  await waitFor(`${m2.name}'s spool emptied (recovery ended)`, async () => (await spooledSegments(`${m2.home}/spool`)).length === 0, 20_000);
  await waitFor(`${m1.name}'s spool emptied (idle hold over)`, async () => (await spooledSegments(`${m1.home}/spool`)).length === 0, 60_000);
  return 'no prefetched segment left in either spool';
}

/** --async: ready/ empty once recovery ended; with both members stopped, no process left in their data dirs and ready/ empty. */
async function asyncLeftNothing(m1: PatroniMember, m2: PatroniMember): Promise<string> {
  await waitFor(`${m2.name}'s async ready/ empty (recovery ended)`, async () => (await asyncReadyEntries(m2.dataDir)).length === 0, 20_000);
  await m1.stop();
  await m2.stop();
  for (const m of [m1, m2]) {
    await waitFor(`no walship process left in ${m.name}'s data dir`, async () => (await processesIn(m.dataDir)).length === 0, 30_000)
      .catch(async (err: unknown) => {
        throw new Error(`${String(err)}: ${(await processesIn(m.dataDir)).join('; ')}`);
      });
    expect(await asyncReadyEntries(m.dataDir), `${m.name} ready/`).toEqual([]);
  }
  return 'members stopped: no agent, ssh master or other process left in either data dir, async ready/ empty on both';
}

describe('walship under Patroni', () => {
  it('kill -9 of the leader\'s postmaster under pgbench load: the replica takes over on timeline 2, the old leader rejoins through pg_rewind fed by walship-restore, nothing wrong delivered, data matches, no ERROR line of walship, nothing prefetched left once recovery ended', async () => {
    await failover(members[0]!, members[1]!, 'sync');
  }, 300_000);

  it('a replica made by a create_replica_methods entry (pg_basebackup -X none) gets every WAL segment from the walship archive', async () => {
    const leader = (await leaderOf(members))!;
    const marker = `${work}/members/m3-backup-marker`; // written by the method, which runs as PG_USER
    const m3 = await startMember('m3', {
      create_replica_methods: ['walship_nowal'],
      walship_nowal: { command: `${FIXTURES}/patroni-replica-nowal`, marker, 'move-on': 3 },
    });
    await onFailure(waitFor('m3 created and streaming', () => isStreamingReplica(m3), 120_000), m3);
    const [start, stop] = (await readFile(marker, 'utf8')).trim().split('\n');
    const first = parseSegment(start ?? '')!;
    const last = parseSegment(stop ?? '')!;
    const calls = await readRestoreCalls(`${m3.home}/restore-calls.log`);
    const delivered = new Set(calls.filter((c) => c.status === 0).map((c) => c.name));
    const needed: string[] = [];
    for (let segno = first.segno; segno <= last.segno; segno++) needed.push(segmentName(first.tli, segno));
    expect(needed.filter((name) => !delivered.has(name))).toEqual([]);
    expect(await wrongDeliveries(calls, `${barmanHome}/${SERVER}`, sysid)).toEqual([]);
    await leader.psql("insert into marks (label) values ('m3 joined')");
    const end = await leader.psql('select pg_current_wal_lsn()');
    await waitFor('m3 replaying the leader', () => replayedTo(m3, end), 30_000);
    expect(await m3.psql(BANK_STATE)).toBe(await leader.psql(BANK_STATE));
    console.log(
      `Patroni create_replica_methods: m3 built from pg_basebackup -X none; every segment from ${start} to ${stop} ` +
        `(${needed.length}) came through walship-restore -p 8 (${calls.length} calls, none wrong), then streamed from ${leader.name}; data matches`,
    );
  }, 180_000);

  it('a bootstrap method builds a new cluster from the base backup plus the walship archive, to a recovery_target_time past the failover', async () => {
    const leader = (await leaderOf(members))!;
    await leader.psql("insert into marks (label) values ('before target')");
    const target = await leader.psql("select to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US TZH')");
    await waitFor('a commit after the target time', async () => (await leader.psql(`select clock_timestamp() > '${target}'::timestamptz`)) === 't', 5_000, 10);
    await leader.psql("insert into marks (label) values ('after target')");
    const expected = await leader.psql(`select string_agg(label, ',' order by id) from marks where at <= '${target}'::timestamptz`);
    await switchAndArchive(leader);

    const pitrHome = `${work}/members/p1`;
    const p1 = await startPatroniMember({
      scope: 'walship-pitr',
      name: 'p1',
      dir: `${work}/members`,
      etcdEndpoint: etcd!.endpoint,
      bootstrap: {
        dcs: { ttl: 20, loop_wait: 1, retry_timeout: 5, postgresql: { use_pg_rewind: true, use_slots: false, parameters: { archive_mode: 'on', archive_command: archiveCommand(PITR_SERVER) } } },
        method: 'walship_pitr',
        walship_pitr: {
          command: `${FIXTURES}/patroni-bootstrap-backup ${backupDir()}`,
          recovery_conf: {
            restore_command: restoreCommand(pitrHome),
            recovery_target_time: target,
            recovery_target_timeline: 'latest',
            recovery_target_action: 'promote',
          },
        },
        pg_hba: PG_HBA,
      },
      postgresql: () => ({}),
    });
    members.push(p1);
    // Patroni reports the leader role as soon as recovery ends, restarts PostgreSQL in post_bootstrap,
    // and only then logs "initialized a new cluster": wait for that line, then for connections.
    const initialized = async (): Promise<boolean> => (await readFile(p1.logPath, 'utf8')).includes('initialized a new cluster');
    await onFailure(waitFor('p1 recovered and initialized the new cluster', initialized, 180_000), p1);
    let newTimeline = '';
    await waitFor('p1 accepting connections', async () => {
      newTimeline = await p1.psql('select substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)');
      return isLeaderRole(await roleOf(p1));
    }, 60_000);
    expect(await p1.psql("select string_agg(label, ',' order by id) from marks")).toBe(expected);
    expect(await systemIdentifier(p1.dataDir, PG_USER)).toBe(sysid);
    const calls = await readRestoreCalls(`${pitrHome}/restore-calls.log`);
    expect(await wrongDeliveries(calls, `${barmanHome}/${SERVER}`, sysid)).toEqual([]);
    const delivered = calls.filter((c) => c.status === 0);
    expect(delivered.some((c) => c.name === '00000002.history')).toBe(true);
    const log = await readFile(p1.logPath, 'utf8');
    expect(log).toMatch(/recovery stopping before commit of transaction/);
    await waitFor('p1 archiving its new timeline to the pitr server', async () => (await archivedNames(`${barmanHome}/${PITR_SERVER}`)).has(`${newTimeline}.history`), 60_000);
    // issue 10: recovery ended, so the idle prefetch worker removed what nobody claimed (the segment past the target).
    await waitFor('p1\'s spool emptied once recovery ended', async () => (await spooledSegments(`${pitrHome}/spool`)).length === 0, 20_000);
    expect(await walshipErrorLines(p1.logPath), 'walship ERROR lines in p1\'s log').toEqual([]);
    console.log(
      `Patroni bootstrap method: new cluster p1 from a timeline-1 base backup plus ${delivered.length} files through walship-restore ` +
        `(across the failover: 00000002.history delivered), stopped at recovery_target_time ${target}: marks = ${expected}; ` +
        `promoted to timeline ${parseInt(newTimeline, 16)} and archives to server '${PITR_SERVER}'; nothing left in its spool once recovery ended; 0 ERROR lines of walship in its log`,
    );
  }, 240_000);
});

describe('walship under Patroni (async modes)', () => {
  beforeAll(async () => {
    const a1 = await startMember('a1', {}, 'async');
    await onFailure(waitFor('a1 bootstrapped as leader', async () => isLeaderRole(await roleOf(a1)), 60_000), a1);
    const a2 = await startMember('a2', {}, 'async');
    await onFailure(waitFor('a2 streaming from a1', () => isStreamingReplica(a2), 60_000), a2);
    const init = await run([`${PG_BIN}/pgbench`, '-h', '127.0.0.1', '-p', String(a1.pgPort), '-i', '-s', '1', '-q', 'postgres'], { user: PG_USER });
    if (init.code !== 0) throw new Error(`pgbench -i failed\n${describeRun(init)}`);
    await a1.psql('create table marks (id serial primary key, label text, at timestamptz default clock_timestamp())');
  }, 180_000);

  it('with walship-archive --async and walship-restore --async -p 4: the same kill -9 failover and pg_rewind, nothing wrong delivered, data matches, no ERROR line, no agent left for the stopped cluster, ready/ empty once recovery ended', async () => {
    const [a1, a2] = ['a1', 'a2'].map((name) => members.find((m) => m.name === name)!);
    await failover(a1!, a2!, 'async');
  }, 300_000);
});
