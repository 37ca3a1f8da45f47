// issue 9 WP2 faults: kill -9 of the archive agent at random points under pgbench, and the archive
// host unreachable mid-stream. Invariant checked at every step: a segment PostgreSQL marked .done,
// and a segment with an ack, has a byte-identical copy on the archive host.
import { lstat, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { logTail } from '../helpers/daemon.js';
import { makeTempDir } from '../helpers/files.js';
import { startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun, repoRoot, run } from '../helpers/run.js';
import { ensureClientKey, writeHostAlias } from '../helpers/ssh-client.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ensureUser, PG_USER } from '../helpers/users.js';
import { leftovers } from '../fixtures/archive/server.js';
import {
  agentProcesses, archiverStats, asyncCommand, differingCopies, keepAllWal, SEGMENT_RE, sleep, statusNames, switchSegments,
  waitNoAgentLeft, waitUntilAllArchived,
} from './async/cluster.js';

const ALIAS = `walship-async-target-${process.pid}`;
let sshdA: Sshd;
let sshdB: Sshd;
let pg: Pg;
let work = '';
let incoming = '';
let aliasPath = '';

const slot = (): string => `${pg.dataDir}/pg_wal/.walship/archive`;

/** Points the Host alias the archive_command uses at a port (and that sshd's host key). */
async function pointAlias(port: number, knownHostsPath: string): Promise<void> {
  const user = await ensureUser(PG_USER);
  const { keyPath } = await ensureClientKey(user);
  aliasPath = await writeHostAlias(user, { alias: ALIAS, port, knownHostsPath, keyPath });
}

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  work = await makeTempDir('walship-archive-async-faults-');
  const servers = [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }];
  [sshdA, sshdB] = [await startSshd({ clients: [PG_USER], servers }), await startSshd({ clients: [PG_USER], servers })];
  await run(['mkdir', '-m', '755', `${work}/walship`]);
  const config = await writeBarmanConfig({ dir: `${work}/walship`, servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  incoming = `${config.barmanHome}/pg/incoming`;
  await pointAlias(sshdA.port, sshdA.knownHostsPath);
  const command = asyncCommand(`-U ${ARCHIVE_USER} -c ${config.configPath} --async-wait 20`, ALIAS, 'pg');
  pg = await startPostgres({ settings: { ...keepAllWal(command), log_min_messages: 'info' } });
}, 300_000);

afterAll(async () => {
  await pg?.stop();
  await waitNoAgentLeft(30_000); // the agent writes its last log line after the postmaster is gone
  await pg?.remove();
  await sshdA?.stop();
  await sshdB?.stop();
  if (aliasPath !== '') await rm(aliasPath, { force: true });
  if (work !== '') await run(['rm', '-rf', work]);
});

/** The acks that are hard links of pg_wal's files right now. */
async function validAcks(): Promise<string[]> {
  const names = await readdir(`${slot()}/ack`).catch(() => [] as string[]);
  const valid: string[] = [];
  for (const name of names) {
    const [ack, wal] = await Promise.all([lstat(`${slot()}/ack/${name}`).catch(() => undefined), stat(`${pg.dataDir}/pg_wal/${name}`).catch(() => undefined)]);
    if (ack && wal && ack.ino === wal.ino) valid.push(name);
  }
  return valid;
}

/** Every .done segment and every valid ack has its identical copy in incoming/. */
async function invariantViolations(): Promise<string[]> {
  const done = (await statusNames(pg, '.done')).filter((n) => SEGMENT_RE.test(n));
  return differingCopies(pg, [...new Set([...done, ...(await validAcks())])], incoming);
}

async function agentPid(): Promise<number | undefined> {
  const text = await readFile(`${slot()}/agent.pid`, 'utf8').catch(() => '');
  const pid = Number(text.split(' ')[0]);
  return pid > 0 && (await agentProcesses((p) => p.pid === pid)).length > 0 ? pid : undefined;
}

describe('walship-archive --async faults', () => {
  it('kill -9 of the agent at ≥ 8 random points under pgbench: every .done and every ack has an identical copy', async () => {
    const init = await pg.pgbench(['-i', '-s', '10', '-q']);
    expect(init.code, describeRun(init)).toBe(0);
    const load = pg.pgbench(['-N', '-c', '2', '-j', '2', '-T', '45']);
    let kills = 0;
    for (let round = 0; round < 80 && kills < 10; round++) {
      // A switch makes PostgreSQL call archive_command, whose Node path starts the next agent.
      if (round % 2 === 0) await pg.psql('select pg_switch_wal()');
      await sleep(200 + Math.floor(Math.random() * 2000));
      const pid = await agentPid();
      if (pid === undefined) continue;
      process.kill(pid, 'SIGKILL');
      kills++;
      expect(await invariantViolations(), `after kill ${kills}`).toEqual([]);
    }
    expect((await load).code).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(8);
    await switchSegments(pg, 2);
    await waitUntilAllArchived(pg, 0, { allowFailures: true });
    expect(await invariantViolations()).toEqual([]);
    expect(leftovers(incoming)).toEqual([]);
    const done = (await statusNames(pg, '.done')).filter((n) => SEGMENT_RE.test(n));
    console.log(`${kills} kills; ${done.length} segments archived; archiver ${JSON.stringify(await archiverStats(pg))}`);
  });

  it('archive host unreachable: WARNING in the PostgreSQL log, no .done without a copy, catch-up once it is back', async () => {
    await waitUntilAllArchived(pg, 0, { allowFailures: true });
    const before = new Set(await statusNames(pg, '.done'));
    const listener = Number((await readFile(`${dirname(sshdA.logPath)}/sshd.pid`, 'utf8')).trim());
    const sessions = await childrenOf(listener);
    await sshdA.stop();
    for (const pid of sessions) killQuietly(pid); // established connections (the lane masters') die too
    await switchSegments(pg, 3);
    const warned = async (): Promise<boolean> => (await readFile(pg.logPath, 'utf8')).includes('WARNING: async archiving: ');
    for (let i = 0; i < 600 && !(await warned()); i++) await sleep(200);
    expect(await warned(), await logTail(pg.logPath, 40)).toBe(true);
    expect((await statusNames(pg, '.ready')).length).toBeGreaterThan(0);
    expect((await statusNames(pg, '.done')).filter((n) => !before.has(n) && SEGMENT_RE.test(n))).toEqual([]);
    expect(await invariantViolations()).toEqual([]);

    await pointAlias(sshdB.port, sshdB.knownHostsPath); // the archive host is back (same archive, another sshd)
    await switchSegments(pg, 1);
    await waitUntilAllArchived(pg, 0, { allowFailures: true, timeoutMs: 300_000 });
    expect(await invariantViolations()).toEqual([]);
    const added = (await statusNames(pg, '.done')).filter((n) => !before.has(n) && SEGMENT_RE.test(n));
    expect(added.length).toBeGreaterThanOrEqual(4);
    expect(await readdir(`${slot()}/status`)).toEqual([]);
  });

  it('after the cluster stops, no agent and no ssh process is left', async () => {
    await pg.stop();
    const left = await waitNoAgentLeft(30_000);
    expect(left, JSON.stringify(left)).toEqual([]);
  });
});

async function childrenOf(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const statText = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(statText.slice(statText.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parent) children.push(Number(entry));
  }
  return children;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

