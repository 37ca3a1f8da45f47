// issue 9 WP2: PostgreSQL 15 with archive_command = walship-archive --async over a real sshd, to a
// walship server and to Debian's Barman 3.4 (--md5): every segment byte-identical on the archive
// host, failed_count 0, acks that are hard links of pg_wal's files, Barman 3.4's refusal of a
// duplicate verified by fetch instead of wedging, two clusters that never share acks, and no agent
// or ssh process left once the clusters stop.
import { copyFile, chown, lstat, readdir, readFile, rm, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, ensureUser, PG_USER } from '../helpers/users.js';
import {
  agentProcesses, archiverStats, asyncCommand, differingCopies, keepAllWal, SEGMENT_RE, statusNames, switchSegments, useArchiveCommand,
  waitNoAgentLeft, waitUntilAllArchived, sleep,
} from './async/cluster.js';

let sshd: Sshd;
let pg: Pg;
let pg2: Pg | undefined;
let work = '';
let walship = { configPath: '', barmanHome: '' };
let barman = { configPath: '', barmanHome: '' };

const slot = (cluster: Pg): string => `${cluster.dataDir}/pg_wal/.walship/archive`;
const toWalship = (server = 'pg'): string => asyncCommand(`-U ${ARCHIVE_USER} -c ${walship.configPath}`, sshd.host, server);

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres', 'barman']);
  work = await makeTempDir('walship-archive-async-');
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }, { user: BARMAN_USER }] });
  await run(['mkdir', '-m', '755', `${work}/walship`, `${work}/barman`]);
  walship = await writeBarmanConfig({ dir: `${work}/walship`, servers: [{ name: 'pg' }, { name: 'pg2' }], owner: ARCHIVE_USER });
  barman = await writeBarmanConfig({ dir: `${work}/barman`, servers: [{ name: 'pg' }], owner: BARMAN_USER });
  pg = await startPostgres({ settings: keepAllWal(toWalship()) });
}, 300_000);

afterAll(async () => {
  await Promise.all([pg2?.stop(), pg?.stop()]);
  await waitNoAgentLeft(30_000); // the agents write their last log line after the postmaster is gone
  await pg2?.remove();
  await pg?.remove();
  await sshd?.stop();
  if (work !== '') await run(['rm', '-rf', work]);
});

/** A backlog PostgreSQL leaves .ready while archive_command is empty. */
async function makeBacklog(cluster: Pg, count: number): Promise<string[]> {
  await useArchiveCommand(cluster, '');
  const before = new Set(await statusNames(cluster, '.ready'));
  await switchSegments(cluster, count);
  for (let i = 0; i < 100 && (await statusNames(cluster, '.ready')).length < before.size + count; i++) await sleep(200);
  return (await statusNames(cluster, '.ready')).filter((n) => SEGMENT_RE.test(n));
}

/** One archive_command call made by hand, as the archiver makes it (cwd = data dir, %p = pg_wal/<name>). */
const callAsync = (cluster: Pg, command: string, name: string) =>
  run(['sh', '-c', command.replace('%p', `pg_wal/${name}`)], { user: cluster.user, cwd: cluster.dataDir, timeoutMs: 120_000 });

/** Bounded poll until every name has an ack that is a hard link of pg_wal/<name>. */
async function waitForAcks(cluster: Pg, names: string[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const linked = await Promise.all(names.map(async (name) => {
      const [ack, wal] = await Promise.all([lstat(`${slot(cluster)}/ack/${name}`).catch(() => undefined), stat(`${cluster.dataDir}/pg_wal/${name}`)]);
      return ack !== undefined && ack.isFile() && ack.ino === wal.ino && ack.dev === wal.dev;
    }));
    if (linked.every(Boolean)) return;
    await sleep(200);
  }
  throw new Error(`acks missing; agent.log:\n${await readFile(`${slot(cluster)}/agent.log`, 'utf8').catch(() => '')}`);
}

/** SIGTERM to the slot's agent, then a bounded wait until it is gone. */
async function stopAgent(cluster: Pg): Promise<void> {
  const text = await readFile(`${slot(cluster)}/agent.pid`, 'utf8').catch(() => '');
  const pid = Number(text.split(' ')[0]);
  if (!(pid > 0)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 300 && (await agentProcesses((p) => p.pid === pid)).length > 0; i++) await sleep(100);
}

describe('walship-archive --async to a walship server', () => {
  it('archives ≥ 20 pgbench segments byte-identical with failed_count 0; each .done was shipped by the agent', async () => {
    const init = await pg.pgbench(['-i', '-s', '10', '-q']);
    expect(init.code, describeRun(init)).toBe(0);
    await switchSegments(pg, 12);
    const stats = await waitUntilAllArchived(pg, 20);
    expect(stats.failed).toBe(0);
    const done = (await statusNames(pg, '.done')).filter((n) => SEGMENT_RE.test(n));
    expect(done.length).toBeGreaterThanOrEqual(20);
    expect(await differingCopies(pg, done, `${walship.barmanHome}/pg/incoming`)).toEqual([]);
    const log = await readFile(`${slot(pg)}/agent.log`, 'utf8');
    expect(log).toMatch(/archived 0000/);
    expect((await readdir(`${slot(pg)}/shipped`)).length).toBeGreaterThan(0);
  });

  it('ships a backlog ahead of PostgreSQL: one call starts the agent, which acks every ready segment as a hard link', async () => {
    const backlog = await makeBacklog(pg, 6);
    expect(backlog.length).toBeGreaterThanOrEqual(6);
    const first = await callAsync(pg, toWalship(), backlog[0] as string);
    expect(first.code, describeRun(first)).toBe(0);
    await waitForAcks(pg, backlog);
    expect(await differingCopies(pg, backlog, `${walship.barmanHome}/pg/incoming`)).toEqual([]);
    await useArchiveCommand(pg, toWalship());
    await waitUntilAllArchived(pg);
    expect((await archiverStats(pg)).failed).toBe(0);
  });

  it('a copied ack is never trusted: one WARNING naming it, removed, and the file shipped again', async () => {
    // A live agent would ship the new segment and remove a planted copy itself before the call sees it.
    await useArchiveCommand(pg, '');
    await stopAgent(pg);
    const [name] = await makeBacklog(pg, 1);
    const ack = `${slot(pg)}/ack/${name}`;
    await rm(ack, { force: true }); // never write through a real hard link: that is pg_wal's file
    await copyFile(`${pg.dataDir}/pg_wal/${name}`, ack);
    const user = await ensureUser(PG_USER);
    await chown(ack, user.uid, user.gid);
    const r = await callAsync(pg, toWalship(), name as string);
    expect(r.code, describeRun(r)).toBe(0);
    const warnings = r.stderr.split('\n').filter((line) => line.startsWith('WARNING:'));
    expect(warnings).toEqual([`WARNING: async acknowledgement ${ack} is not a hard link of pg_wal/${name}; removed, shipping ${name} again`]);
    await useArchiveCommand(pg, toWalship());
    await waitUntilAllArchived(pg);
  });
});

describe("walship-archive --async --md5 to Debian's Barman 3.4", () => {
  it('byte-identical in incoming/, and a duplicate already there is verified by fetch instead of wedging', async () => {
    const backlog = await makeBacklog(pg, 5);
    const incoming = `${barman.barmanHome}/pg/incoming`;
    // Barman 3.4 refuses a name already in incoming/: plant an identical copy of the second one.
    const planted = backlog[1] as string;
    await copyFile(`${pg.dataDir}/pg_wal/${planted}`, `${incoming}/${planted}`);
    const owner = await ensureUser(BARMAN_USER);
    await chown(`${incoming}/${planted}`, owner.uid, owner.gid);
    const command = asyncCommand(`--md5 -c ${barman.configPath}`, sshd.host, 'pg');
    await useArchiveCommand(pg, command);
    await waitUntilAllArchived(pg);
    expect((await archiverStats(pg)).failed).toBe(0);
    expect(await differingCopies(pg, backlog, incoming)).toEqual([]);
    const log = await readFile(`${slot(pg)}/agent.log`, 'utf8');
    expect(log).toContain(`${planted} already archived (verified)`);
  });
});

describe('two clusters on one host', () => {
  it('each has its own agent and acks; neither archive holds the other cluster\'s bytes', async () => {
    pg2 = await startPostgres({ settings: keepAllWal(toWalship('pg2')) });
    await useArchiveCommand(pg, toWalship());
    await Promise.all([switchSegments(pg, 3), switchSegments(pg2, 3)]);
    await Promise.all([waitUntilAllArchived(pg), waitUntilAllArchived(pg2)]);
    const agents = await agentProcesses((p) => p.cmdline.includes('archive-agent.js'));
    const cwds = new Set(agents.map((p) => p.cwd));
    expect(cwds.has(pg.dataDir) && cwds.has(pg2.dataDir), JSON.stringify(agents)).toBe(true);
    const done2 = (await statusNames(pg2, '.done')).filter((n) => SEGMENT_RE.test(n));
    expect(await differingCopies(pg2, done2, `${walship.barmanHome}/pg2/incoming`)).toEqual([]);
    // Same names, different clusters: cluster 1's copy of a shared name is not cluster 2's.
    const foreign = await differingCopies(pg2, done2, `${walship.barmanHome}/pg/incoming`);
    expect(foreign.length).toBe(done2.length);
  });

  it('after both clusters stop, no agent and no ssh master is left', async () => {
    await pg2?.stop();
    await pg.stop();
    const left = await waitNoAgentLeft(30_000);
    expect(left, JSON.stringify(left)).toEqual([]);
  });
});
