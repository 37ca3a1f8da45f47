// issue 9 item 4: `barman serve` over the tests' sshd, and the restore agent using it. Against a
// walship server the agent opens at most one session per lane and runs no get-wal per segment;
// against Debian's barman 3.4, which refuses serve, it falls back to exec get-wal and stays correct.
import { execFile } from 'node:child_process';
import { chown, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procStartEpoch } from '../../src/agent/proc-start.js';
import { ServeSession } from '../../src/serve/client-session.js';
import { serveArgs } from '../../src/transport/barman-command.js';
import { openSshTransport, runSshCommand } from '../../src/transport/openssh.js';
import type { RemoteCommand } from '../../src/transport/transport.js';
import { encodeJsonFrame, FRAME, PROTOCOL_VERSION } from '../../src/wire/frames.js';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, ensureUser } from '../helpers/users.js';
import { makeClusterSegments, type ClusterSegments } from '../fixtures/sysid.js';
import { storeInWals } from '../fixtures/restore/wals.js';

const exec = promisify(execFile);
const SEGMENTS = 10;
let sshd: Sshd | undefined;
let work = '';
let segments: ClusterSegments;
let walshipConfig = '';
let barmanConfig = '';
let callLog = '';

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres', 'barman']);
  segments = await makeClusterSegments(SEGMENTS);
  work = await makeTempDir('walship-serve-ssh-');
  // A `barman` first on the archive user's PATH that logs each command line, then runs walship's.
  const wrap = join(work, 'wrap');
  callLog = join(work, 'barman-calls.log');
  await mkdir(wrap, { mode: 0o755 });
  await writeFile(join(wrap, 'barman'), `#!/bin/sh\necho "$*" >> ${callLog}\nexec ${repoRoot}/bin/barman "$@"\n`, { mode: 0o755 });
  const archiveUser = await ensureUser(ARCHIVE_USER);
  await writeFile(callLog, '');
  await chown(callLog, archiveUser.uid, archiveUser.gid);
  sshd = await startSshd({ clients: ['root'], servers: [{ user: ARCHIVE_USER, path: `${wrap}:/usr/bin:/bin` }, { user: BARMAN_USER }] });
  const walship = await writeBarmanConfig({ dir: await makeTempDir('walship-serve-cfg-'), servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  walshipConfig = walship.configPath;
  // Segment 1 stored gzip, segment 2 bzip2: serve sends plain bytes of both.
  await storeInWals(walship.barmanHome, 'pg', segments, ARCHIVE_USER, (name, index) =>
    index === 1 ? gzipSync(segments.bytes.get(name)!) : undefined);
  const bzip2 = join(walship.barmanHome, 'pg', 'wals', segments.names[2]!.slice(0, 16), segments.names[2]!);
  await exec('bzip2', ['-f', bzip2]);
  await exec('mv', [`${bzip2}.bz2`, bzip2]);
  const barman = await writeBarmanConfig({ dir: await makeTempDir('walship-serve-barman-'), servers: [{ name: 'pg' }], owner: BARMAN_USER });
  barmanConfig = barman.configPath;
  await storeInWals(barman.barmanHome, 'pg', segments, BARMAN_USER);
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
});

/** Processes whose command line contains every word: the archive host's serve sessions, ssh clients. */
async function processesWith(...words: string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (words.every((word) => cmdline.includes(word))) pids.push(Number(entry));
  }
  return pids;
}

async function waitFor(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ssh = (user: string) => openSshTransport({ host: sshd!.host, user, stderr: new PassThrough().resume() });

async function collect(command: RemoteCommand) {
  const chunks: Buffer[] = [];
  command.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { exit: await command.done, bytes: Buffer.concat(chunks) };
}

describe('barman serve over ssh (walship-server)', () => {
  it('GET of plain, gzip- and bzip2-stored segments is byte-identical; not found is code 1 with Barman’s line; PEEK lists the names; a hostile name is refused', async () => {
    const outcome = await ServeSession.open(ssh(ARCHIVE_USER), serveArgs('pg', walshipConfig), 'pg');
    if (outcome.kind !== 'open') throw new Error(JSON.stringify(outcome));
    const session = outcome.session;
    for (const name of segments.names.slice(0, 3)) {
      const { exit, bytes } = await collect(session.get(name, false, 'plain', new PassThrough(), false));
      expect(exit).toEqual({ status: 0 });
      expect(bytes.equals(segments.bytes.get(name)!), name).toBe(true);
    }
    const missing = await collect(session.get('0000000100000000000000F0', false, 'plain', new PassThrough(), false));
    expect(missing.exit).toEqual({ status: 1, stderrTail: "ERROR: WAL file '0000000100000000000000F0' not found in server 'pg'" });
    const peeked = await collect(session.peek(segments.names[0]!, 4, new PassThrough()));
    expect(peeked.bytes.toString()).toBe(`${segments.names.slice(0, 4).join('\n')}\n`);
    expect((await collect(session.get("'; touch /tmp/pwned; '", false, 'plain', new PassThrough(), false))).exit.status).toBe(3);
    await session.close();
    await waitFor(async () => (await processesWith('serve', walshipConfig)).length === 0, 10_000, 'the serve process to exit');
  });

  it('stdin EOF in the middle of a request frame ends the remote process (no serve left on the archive host)', async () => {
    const command = runSshCommand({ host: sshd!.host, user: ARCHIVE_USER, stderr: new PassThrough().resume() }, ['barman', ...serveArgs('pg', walshipConfig)]);
    command.stdout.resume();
    command.stdin.write(encodeJsonFrame(FRAME.HELLO, 0, { v: PROTOCOL_VERSION, server: 'pg' }));
    command.stdin.end(encodeJsonFrame(FRAME.GET, 1, { name: segments.names[0] }).subarray(0, 12));
    const exit = await command.done;
    expect(exit.status).toBe(2); // a truncated frame is a protocol error
    await waitFor(async () => (await processesWith('serve', walshipConfig)).length === 0, 10_000, 'the serve process to exit');
  });

  it('Debian barman 3.4 refuses serve with exit 2 before HELLO', async () => {
    const outcome = await ServeSession.open(ssh(BARMAN_USER), serveArgs('pg', barmanConfig), 'pg');
    expect(outcome.kind).toBe('refused');
  });
});

/** A data directory in recovery whose "postmaster" is this test process (the agent watches it). */
async function recoveringDataDir(tag: string): Promise<string> {
  const dataDir = join(work, tag);
  await mkdir(join(dataDir, 'pg_wal'), { recursive: true, mode: 0o700 });
  await mkdir(join(dataDir, 'global'), { mode: 0o700 });
  await writeFile(join(dataDir, 'global', 'pg_control'), segments.pgControl, { mode: 0o600 });
  // The agent checks the postmaster's start time against /proc, as it does for a real one.
  await writeFile(join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n${Math.floor((await procStartEpoch(process.pid))!)}\n5432\n`);
  await writeFile(join(dataDir, 'recovery.signal'), '');
  return dataDir;
}

/** PostgreSQL's calls, one after the other with a pause for "replay"; then recovery ends. */
async function restoreAll(dataDir: string, user: string, config: string): Promise<string> {
  for (const name of segments.names) {
    const r = await run([binPath('walship-restore'), '--async', '-p', '2', '--idle-exit', '20', '-U', user, '-c', config, sshd!.host, 'pg', name, 'pg_wal/RECOVERYXLOG'], { cwd: dataDir });
    expect(r.code, describeRun(r)).toBe(0);
    expect((await readFile(join(dataDir, 'pg_wal', 'RECOVERYXLOG'))).equals(segments.bytes.get(name)!), name).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  // Read before recovery ends: the agent then purges its slot, log included.
  const agentLog = await readFile(join(dataDir, 'pg_wal', '.walship', 'restore', 'agent.log'), 'utf8').catch(async (error: unknown) => {
    const { stdout } = await exec('find', [dataDir]);
    throw new Error(`${(error as Error).message}\n${stdout}\n${await readFile(join(dataDir, 'postmaster.pid'), 'utf8')}`);
  });
  await rm(join(dataDir, 'recovery.signal'));
  const agentRuns = async (): Promise<boolean> => {
    for (const pid of await processesWith('restore-agent.js')) if ((await readlink(`/proc/${pid}/cwd`).catch(() => '')) === dataDir) return true;
    return false;
  };
  await waitFor(async () => !(await agentRuns()), 30_000, 'the agent to exit');
  return agentLog;
}

describe('walship-restore --async with serve', () => {
  it('against walship-server: at most one serve session per lane (jobs + 1), no get-wal exec from the agent, no ssh left after it exits', async () => {
    await writeFile(callLog, '');
    const agentLog = await restoreAll(await recoveringDataDir('agent-serve'), ARCHIVE_USER, walshipConfig);
    const calls = (await readFile(callLog, 'utf8')).split('\n').filter(Boolean);
    const serves = calls.filter((line) => line.includes(' serve '));
    const execs = calls.filter((line) => line.includes(' get-wal '));
    expect(serves.length, calls.join('\n')).toBeGreaterThanOrEqual(1);
    expect(serves.length, `${calls.join("\n")}\n${agentLog}`).toBeLessThanOrEqual(3);
    // Only walship-restore's own direct fetches (before the agent had a segment ready) use exec.
    expect(execs.filter((line) => line.includes('--peek')), calls.join('\n')).toEqual([]);
    expect(execs.length, `${calls.join('\n')}\n${agentLog}`).toBeLessThan(SEGMENTS / 2);
    expect(agentLog).toMatch(/serve session 1 open/);
    expect(await processesWith('ssh', sshd!.host, 'serve')).toEqual([]);
  }, 120_000);

  it('against Debian barman 3.4: serve refused once, every agent fetch by exec get-wal, every segment byte-identical', async () => {
    const agentLog = await restoreAll(await recoveringDataDir('agent-barman'), BARMAN_USER, barmanConfig);
    expect(agentLog.match(/refused serve/g)?.length, agentLog).toBe(1);
    expect(agentLog).toMatch(/ready 0000/);
    expect(await processesWith('ssh', sshd!.host, 'serve')).toEqual([]);
  }, 120_000);
});
