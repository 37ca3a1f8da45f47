// A restore agent stopping while the store hangs does not wait for it: the agent's fetch has a
// request on the wire to radosgw, radosgw is frozen (SIGSTOP: the kernel still accepts connections,
// nothing answers), the agent is told to stop (SIGTERM). Aborting the fetch must end that request
// in the far end (localTransport's signal → ObjectStore), so the agent is gone well before the 60 s
// request timeout, and leaves nothing behind in its slot.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCephBucket, SYSTEM_PATH, type CephBucket } from '../helpers/ceph.js';
import { makeTempDir } from '../helpers/files.js';
import { waitFor } from '../helpers/poll.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { FIXTURE_SYSTEM_IDENTIFIER, randomSegment } from '../fixtures/restore/segments.js';
import { putBodyOf } from '../../src/object-store/client.js';
import { segmentFileName } from '../../src/wal/name.js';

const BUCKET = 'walship';
const PREFIX = 'abort';
/** The client's per-attempt timeout (ObjectStoreConfig.timeoutMs default): without the abort, the agent waits at least this long. */
const REQUEST_TIMEOUT_MS = 60_000;
const SEG = (n: number): string => segmentFileName(1, 0, n);
let bucket: CephBucket;
let dir: string;
let postmaster: ChildProcess | undefined;

beforeAll(async () => {
  requireIntegration(['root', 'ceph']);
  bucket = await startCephBucket(BUCKET);
  dir = await makeTempDir('walship-s3-abort-');
  // Enough segments that the agent's one peek plans past every fetch the test makes (no second peek).
  for (let n = 1; n <= 12; n++) {
    await bucket.store.putObject(`${PREFIX}/pg/wals/${SEG(n).slice(0, 16)}/${SEG(n)}`, putBodyOf(randomSegment(SEG(n))), { ifAbsent: false });
  }
});

afterAll(async () => {
  if (postmaster?.pid !== undefined && postmaster.exitCode === null) process.kill(postmaster.pid, 'SIGKILL');
  await bucket?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
const entries = (path: string): Promise<string[]> => readdir(path).catch(() => []);

/** A data directory in recovery (recovery.signal, a postmaster.pid whose "postmaster" is a sleep we started) of the fixture cluster. */
async function recoveringDataDir(): Promise<string> {
  const data = join(dir, 'data');
  await mkdir(join(data, 'global'), { recursive: true });
  await mkdir(join(data, 'pg_wal'), { recursive: true });
  const control = Buffer.alloc(8192);
  control.writeBigUInt64LE(FIXTURE_SYSTEM_IDENTIFIER, 0);
  await writeFile(join(data, 'global', 'pg_control'), control);
  postmaster = spawn('sleep', ['900'], { stdio: 'ignore' });
  await writeFile(join(data, 'postmaster.pid'), `${postmaster.pid}\n${data}\n${Math.floor(Date.now() / 1000)}\n5432\n`);
  await writeFile(join(data, 'recovery.signal'), '');
  return data;
}

/** restore_command as PostgreSQL runs it; RECOVERYXLOG moved away afterwards, as PostgreSQL does. */
async function restore(data: string, name: string): Promise<void> {
  // -p 1 and a 2-segment queue: the agent holds two segments ahead and fetches the next only when one is served.
  const flags = ['--async', '-p', '1', '--queue-max', '2M', '--idle-exit', '300'];
  const argv = [binPath('walship-restore'), '--endpoint-url', bucket.ceph.endpoint, ...flags, `s3://${BUCKET}/${PREFIX}`, 'pg', name, 'pg_wal/RECOVERYXLOG'];
  const r = await run(argv, { env: { ...bucket.ceph.env, PATH: SYSTEM_PATH }, cwd: data, timeoutMs: 120_000 });
  expect(r.code, describeRun(r)).toBe(0);
  await unlink(join(data, 'pg_wal', 'RECOVERYXLOG'));
}

describe('a restore agent stopping while radosgw hangs', () => {
  it('SIGTERM while its fetch waits on a frozen radosgw: the agent exits well before the request timeout, with no partial file in ready/ and no agent.pid', async () => {
    const data = await recoveringDataDir();
    const slot = join(data, 'pg_wal', '.walship', 'restore');
    const log = (): Promise<string> => readFile(join(slot, 'agent.log'), 'utf8').catch(() => '');
    const waitLogged = (what: string, probe: () => Promise<boolean>): Promise<void> =>
      waitFor(what, probe, 120_000).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await log()}`);
      });
    // The first call starts the agent; from the second on, the agent knows where recovery is.
    await restore(data, SEG(1));
    await restore(data, SEG(2));
    await waitLogged('the agent to hold 3 and 4 ready, nothing in flight', async () => {
      const ready = await entries(join(slot, 'ready'));
      return ready.includes(SEG(3)) && ready.includes(SEG(4)) && (await entries(join(slot, 'inflight'))).length === 0;
    });
    const agentPid = Number((await readFile(join(slot, 'agent.pid'), 'utf8')).trim().split(/\s+/)[0]);
    const gatewayPid = await bucket.ceph.gatewayPid();
    expect(gatewayPid).toBeDefined();
    process.kill(gatewayPid!, 'SIGSTOP');
    try {
      // Served from ready/ (no store request); the agent then starts fetching 5 against the frozen store.
      await restore(data, SEG(3));
      await waitLogged('the fetch of 5 to be in flight', async () => (await entries(join(slot, 'inflight'))).includes(SEG(5)));
      const stopping = Date.now();
      process.kill(agentPid, 'SIGTERM');
      await waitLogged('the agent to exit', async () => !(await exists(join(slot, 'agent.pid'))));
      const took = Date.now() - stopping;
      expect(took, await log()).toBeLessThan(REQUEST_TIMEOUT_MS);
      // radosgw was frozen throughout: it was the abort, not an answer, that ended the fetch.
      expect((await readFile(`/proc/${gatewayPid}/stat`, 'utf8')).split(' ')[2]).toBe('T');
    } finally {
      process.kill(gatewayPid!, 'SIGCONT');
    }
    const said = await log();
    expect(said).toMatch(/stopped \(SIGTERM\)/);
    expect(said).not.toMatch(new RegExp(`ready ${SEG(5)}`));
    for (const sub of ['ready', 'inflight', 'tmp']) expect(await entries(join(slot, sub)), `${sub}/\n${said}`).toEqual([]);
  }, 300_000);
});
