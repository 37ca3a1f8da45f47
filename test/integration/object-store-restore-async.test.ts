// issue 13 item 3: walship-restore -p N (the prefetch worker) and --async (the restore agent) against
// a real S3 store (one-node Ceph radosgw), through the object-store transport's get-wal
// (src/object-store/serve-get.ts). Segments written by Debian's barman-cloud-wal-archive 3.4 and by
// walship reach WAL_DEST byte-identical with the following ones fetched ahead; a real PostgreSQL 15
// PITR recovers through --async; a missing segment exits 1, a corrupt object or one of another
// cluster exits 2, on both paths, with nothing delivered.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeph, SYSTEM_PATH, type Ceph } from '../helpers/ceph.js';
import { makeTempDir, writeOwnedFile } from '../helpers/files.js';
import { waitFor } from '../helpers/poll.js';
import { baseBackup, startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { ensureUser, PG_USER } from '../helpers/users.js';
import { FIXTURE_SYSTEM_IDENTIFIER, randomSegment } from '../fixtures/restore/segments.js';
import { ObjectStore, putBodyOf } from '../../src/object-store/client.js';
import { resolveEndpoint } from '../../src/object-store/target.js';
import { segmentFileName } from '../../src/wal/name.js';

const BUCKET = 'walship';
const RECOVERYXLOG = 'pg_wal/RECOVERYXLOG';
let ceph: Ceph;
let dir: string;
let store: ObjectStore;
const postmasters: ChildProcess[] = [];
const clusters: Pg[] = [];

beforeAll(async () => {
  requireIntegration(['root', 'postgres', 'ceph', 'barman-cloud']);
  ceph = await startCeph();
  await ceph.createBucket(BUCKET);
  dir = await makeTempDir('walship-s3-async-');
  store = new ObjectStore({ endpoint: resolveEndpoint(ceph.endpoint, {}), bucket: BUCKET, credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey } });
});

afterAll(async () => {
  for (const pg of clusters) await pg.remove().catch(() => undefined);
  for (const child of postmasters) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  store?.close();
  await ceph?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ ...ceph.env, PATH: SYSTEM_PATH });
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
const SEG = (n: number): string => segmentFileName(1, 0, n);
const objectKey = (prefix: string, name: string): string => `${prefix}/pg/wals/${name.slice(0, 16)}/${name}`;

/**
 * A data directory as restore_command sees it: global/pg_control naming the fixture cluster, pg_wal/.
 * With `recovering`, also recovery.signal and a postmaster.pid whose "postmaster" is a sleep we
 * started: the restore agent arms for it, and the prefetch worker lingers while it holds segments.
 */
async function dataDir(tag: string, recovering: boolean): Promise<string> {
  const data = join(dir, tag);
  await mkdir(join(data, 'global'), { recursive: true });
  await mkdir(join(data, 'pg_wal'), { recursive: true });
  const control = Buffer.alloc(8192);
  control.writeBigUInt64LE(FIXTURE_SYSTEM_IDENTIFIER, 0);
  await writeFile(join(data, 'global', 'pg_control'), control);
  if (recovering) {
    const postmaster = spawn('sleep', ['900'], { stdio: 'ignore' });
    postmasters.push(postmaster);
    await writeFile(join(data, 'postmaster.pid'), `${postmaster.pid}\n${data}\n${Math.floor(Date.now() / 1000)}\n5432\n`);
    await writeFile(join(data, 'recovery.signal'), '');
  }
  return data;
}

/** One restore_command call as PostgreSQL makes it (cwd the data directory, %p pg_wal/RECOVERYXLOG). */
async function restore(data: string, url: string, name: string, flags: string[]): Promise<{ code: number | null; stderr: string; bytes: Buffer | undefined; describe: string }> {
  const dest = join(data, RECOVERYXLOG);
  const r = await run([binPath('walship-restore'), '--endpoint-url', ceph.endpoint, ...flags, url, 'pg', name, RECOVERYXLOG], { env: env(), cwd: data, timeoutMs: 120_000 });
  const bytes = (await exists(dest)) ? await readFile(dest) : undefined;
  // PostgreSQL moves RECOVERYXLOG away before its next call.
  if (bytes !== undefined) await unlink(dest);
  return { code: r.code, stderr: r.stderr, bytes, describe: describeRun(r) };
}

/** Paths of the files named `match` anywhere under spoolDir (a namespace is two levels: host, then server and cluster). */
async function spoolFiles(spoolDir: string, match: RegExp): Promise<string[]> {
  const entries = await readdir(spoolDir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((entry) => match.test(entry.split('/').at(-1)!)).map((entry) => join(spoolDir, entry)).sort();
}

/** Names of complete segments in the spool (temp names start with '.'). */
const spooled = async (spoolDir: string): Promise<string[]> => (await spoolFiles(spoolDir, /^[0-9A-F]{24}$/)).map((path) => path.split('/').at(-1)!).sort();

async function prefetchLog(spoolDir: string): Promise<string> {
  const logs = await Promise.all((await spoolFiles(spoolDir, /^\.prefetch\.log$/)).map((path) => readFile(path, 'utf8')));
  return logs.join('');
}

/** Stops the restore agent of `data` the way recovery's end does, and waits until it has gone. */
async function endRecovery(data: string): Promise<string> {
  await unlink(join(data, 'recovery.signal')).catch(() => undefined);
  const slot = join(data, 'pg_wal', '.walship', 'restore');
  const log = (): Promise<string> => readFile(join(slot, 'agent.log'), 'utf8').catch(() => '');
  await waitFor('the restore agent to exit', async () => !(await exists(join(slot, 'agent.pid'))), 60_000).catch(async (error: Error) => {
    throw new Error(`${error.message}\n${await log()}`);
  });
  return log();
}

describe('walship-restore -p 8 through the object-store transport', () => {
  const COUNT = 12;
  const writers: Array<[string, (url: string, path: string) => string[]]> = [
    ['barman-cloud-wal-archive (plain)', (url, path) => ['barman-cloud-wal-archive', '--endpoint-url', ceph.endpoint, url, 'pg', path]],
    ['barman-cloud-wal-archive -z (gzip)', (url, path) => ['barman-cloud-wal-archive', '--endpoint-url', ceph.endpoint, '-z', url, 'pg', path]],
    ['barman-cloud-wal-archive -j (bzip2)', (url, path) => ['barman-cloud-wal-archive', '--endpoint-url', ceph.endpoint, '-j', url, 'pg', path]],
    ['walship-archive -z', (url, path) => [binPath('walship-archive'), '--endpoint-url', ceph.endpoint, '-z', url, 'pg', path]],
  ];
  writers.forEach(([writer, argv], index) => {
    it(`${writer} → radosgw → walship-restore -p 8: every segment byte-identical, the following ones fetched ahead into the spool`, async () => {
      const url = `s3://${BUCKET}/p8-${index}`;
      const source = join(dir, `p8-src-${index}`);
      await mkdir(source, { recursive: true });
      const segments = new Map<string, Buffer>();
      for (let n = 1; n <= COUNT; n++) {
        const bytes = randomSegment(SEG(n));
        segments.set(SEG(n), bytes);
        await writeFile(join(source, SEG(n)), bytes);
        const archived = await run(argv(url, join(source, SEG(n))), { env: env(), timeoutMs: 120_000 });
        expect(archived.code, describeRun(archived)).toBe(0);
      }
      const data = await dataDir(`p8-${index}`, true);
      const spoolDir = join(dir, `p8-spool-${index}`);
      const flags = ['-p', '8', '--spool-dir', spoolDir];
      const first = await restore(data, url, SEG(1), flags);
      expect(first.code, first.describe).toBe(0);
      expect(first.bytes?.equals(segments.get(SEG(1))!)).toBe(true);
      // Fetched ahead: the 8 segments after the one delivered, each as a complete file in the spool.
      const ahead = [...segments.keys()].slice(1, 9);
      await waitFor('the prefetch worker to spool the next 8 segments', async () => {
        const names = await spooled(spoolDir);
        return ahead.every((name) => names.includes(name));
      }, 120_000);
      expect(await spooled(spoolDir)).toEqual(ahead);
      for (const path of await spoolFiles(spoolDir, /^[0-9A-F]{24}$/)) expect((await readFile(path)).equals(segments.get(path.split('/').at(-1)!)!)).toBe(true);
      for (const [name, bytes] of [...segments].slice(1)) {
        const r = await restore(data, url, name, flags);
        expect(r.code, r.describe).toBe(0);
        expect(r.bytes?.equals(bytes), name).toBe(true);
      }
      expect(await prefetchLog(spoolDir)).toMatch(new RegExp(`fetched ${SEG(9)}`));
      expect(await prefetchLog(spoolDir)).not.toMatch(/failed/);
      const missing = await restore(data, url, SEG(COUNT + 1), flags);
      expect(missing.code, missing.describe).toBe(1);
      expect(missing.bytes).toBeUndefined();
      await unlink(join(data, 'recovery.signal'));
    }, 600_000);
  });
});

describe('a missing segment exits 1; a corrupt object or one of another cluster exits 2 and delivers nothing', () => {
  const prefix = 'faults';
  const url = `s3://${BUCKET}/${prefix}`;
  const good = new Map<string, Buffer>();

  beforeAll(async () => {
    // 1-4 good, 5 a bad gzip, 6 a truncated plain segment, 7 of another cluster, 8 good, 9 missing.
    for (const n of [1, 2, 3, 4, 8]) {
      good.set(SEG(n), randomSegment(SEG(n)));
      await store.putObject(objectKey(prefix, SEG(n)), putBodyOf(good.get(SEG(n))!), { ifAbsent: false });
    }
    await store.putObject(`${objectKey(prefix, SEG(5))}.gz`, putBodyOf(gzipSync(randomSegment(SEG(5))).subarray(0, 300_000)), { ifAbsent: false });
    await store.putObject(objectKey(prefix, SEG(6)), putBodyOf(randomSegment(SEG(6)).subarray(0, 4096)), { ifAbsent: false });
    await store.putObject(objectKey(prefix, SEG(7)), putBodyOf(randomSegment(SEG(7), undefined, { systemIdentifier: 42n })), { ifAbsent: false });
  });

  /**
   * The calls for 5..9 after 1..4 went well: 2, 2, 2 (naming both identifiers), 0, 1. `ahead` waits
   * until whatever fetches ahead has met 5, 6 and 7, so the calls find them refused there too.
   */
  async function expectFaults(data: string, flags: string[], log: () => Promise<string> = async () => '', refusals: RegExp[] = []): Promise<void> {
    for (const n of [1, 2, 3, 4]) {
      const r = await restore(data, url, SEG(n), flags);
      expect(r.code, r.describe).toBe(0);
      expect(r.bytes?.equals(good.get(SEG(n))!)).toBe(true);
    }
    await waitFor('the fetches ahead to meet 5, 6 and 7', async () => {
      const text = await log();
      return refusals.every((line) => line.test(text));
    }, 120_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await log()}`);
    });
    const badGzip = await restore(data, url, SEG(5), flags);
    expect(badGzip.code, badGzip.describe).toBe(2);
    expect(badGzip.stderr).toMatch(/^ERROR: object faults\/pg\/wals\/0000000100000000\/000000010000000000000005\.gz cannot be decoded/m);
    const truncated = await restore(data, url, SEG(6), flags);
    expect(truncated.code, truncated.describe).toBe(2);
    expect(truncated.stderr).toMatch(/is not a complete segment/);
    const foreign = await restore(data, url, SEG(7), flags);
    expect(foreign.code, foreign.describe).toBe(2);
    expect(foreign.stderr).toMatch(new RegExp(`belongs to another cluster: its header has system identifier 42, expected ${FIXTURE_SYSTEM_IDENTIFIER}`));
    for (const r of [badGzip, truncated, foreign]) expect(r.bytes).toBeUndefined();
    const after = await restore(data, url, SEG(8), flags);
    expect(after.code, after.describe).toBe(0);
    expect(after.bytes?.equals(good.get(SEG(8))!)).toBe(true);
    const missing = await restore(data, url, SEG(9), flags);
    expect(missing.code, missing.describe).toBe(1);
    expect(missing.bytes).toBeUndefined();
  }

  it('through -p 4: the worker spools none of 5, 6, 7 (logged), and each call for them exits 2', async () => {
    const data = await dataDir('faults-p', true);
    const spoolDir = join(dir, 'faults-spool');
    const refusals = [
      /prefetch of 000000010000000000000005 failed: remote get-wal for 000000010000000000000005 exited 2/,
      /ERROR: object faults\/pg\/wals\/0000000100000000\/000000010000000000000005\.gz cannot be decoded/,
      /prefetch of 000000010000000000000006 failed: received 000000010000000000000006 is not a complete segment/,
      /prefetch of 000000010000000000000007 refused, not spooled: .*system identifier 42/,
    ];
    await expectFaults(data, ['-p', '4', '--spool-dir', spoolDir], () => prefetchLog(spoolDir), refusals);
    const names = await spooled(spoolDir);
    for (const n of [5, 6, 7]) expect(names).not.toContain(SEG(n));
    await unlink(join(data, 'recovery.signal'));
  }, 300_000);

  it('through --async -p 4 with its agent running: the agent publishes none of 5, 6, 7, and each call for them exits 2', async () => {
    const data = await dataDir('faults-async', true);
    const agentLog = (): Promise<string> => readFile(join(data, 'pg_wal', '.walship', 'restore', 'agent.log'), 'utf8').catch(() => '');
    const refusals = [/fetch of 000000010000000000000005 failed: .*exited 2/, /fetch of 000000010000000000000006 failed: .*not a complete segment/, /discarded 000000010000000000000007: .*system identifier/];
    await expectFaults(data, ['--async', '-p', '4', '--idle-exit', '60'], agentLog, refusals);
    const log = await endRecovery(data);
    expect(log).toMatch(/ready 000000010000000000000003/);
    expect(log).not.toMatch(/ready 00000001000000000000000[567]/);
    // The store's far end refuses `serve`: the agent says so once and uses exec get-wal quietly.
    expect(log.match(/refused serve/g)).toHaveLength(1);
    expect(log).not.toMatch(/is not a command an s3:\/\/ target answers/);
  }, 300_000);

  it('through --async without a running postmaster (no agent): the same statuses from direct fetches', async () => {
    await expectFaults(await dataDir('faults-direct', false), ['--async', '-p', '4']);
  }, 300_000);
});

describe('PostgreSQL 15 PITR with restore_command walship-restore --async from the store', () => {
  it('recovers to a restore point from segments archived to radosgw, table equal; the agent fetched ahead and refused serve once', async () => {
    const work = await makeTempDir('walship-s3-async-pg-');
    const pgUser = await ensureUser(PG_USER);
    const credentials = join(work, 'credentials');
    await writeOwnedFile(credentials, `[walship]\naws_access_key_id = ${ceph.accessKey}\naws_secret_access_key = ${ceph.secretKey}\n`, pgUser, 0o600);
    const awsEnv = `env AWS_SHARED_CREDENTIALS_FILE=${credentials} AWS_PROFILE=walship`;
    const target = `--endpoint-url ${ceph.endpoint} s3://${BUCKET}/pitr pg`;
    const primary = await startPostgres({ settings: { archive_mode: 'on', archive_command: `${awsEnv} ${binPath('walship-archive')} ${target} %p` } });
    clusters.push(primary);
    const state = "select count(*) || ' ' || md5(string_agg(id::text || ':' || payload, ',' order by id)) from t";
    await primary.psql('create table t (id int primary key, payload text)');
    await primary.psql('insert into t select g, md5(g::text) from generate_series(1, 1000) g');
    const backupDir = join(work, 'restored');
    await baseBackup(primary, backupDir);
    for (let round = 0; round < 16; round++) {
      const from = 1001 + round * 1000;
      await primary.psql(`insert into t select g, md5(g::text || '${round}') from generate_series(${from}, ${from + 999}) g; select pg_switch_wal()`);
    }
    const atTarget = await primary.psql(state);
    await primary.psql("select pg_create_restore_point('walship_target')");
    await primary.psql('delete from t where id % 2 = 0');
    const last = await primary.psql('select pg_walfile_name(pg_current_wal_lsn())');
    await primary.psql('select pg_switch_wal()');
    await waitFor(`archiving up to ${last}`, async () => (await primary.psql('select last_archived_wal from pg_stat_archiver')) >= last, 300_000);
    await primary.stop();

    await writeOwnedFile(join(backupDir, 'recovery.signal'), '', pgUser, 0o600);
    const restored = await startPostgres({
      dataDir: backupDir,
      readyTimeoutMs: 300_000,
      settings: {
        archive_mode: 'off',
        restore_command: `${awsEnv} ${binPath('walship-restore')} --async -p 4 --idle-exit 30 ${target} %f %p`,
        recovery_target_name: 'walship_target',
        recovery_target_action: 'promote',
      },
    });
    clusters.push(restored);
    await waitFor('promotion at the restore point', async () => (await restored.psql('select pg_is_in_recovery()')) === 'f', 300_000);
    expect(await restored.psql(state)).toBe(atTarget);
    const slot = join(backupDir, 'pg_wal', '.walship', 'restore');
    await waitFor('the restore agent to exit', async () => !(await exists(join(slot, 'agent.pid'))), 60_000);
    const agentLog = await readFile(join(slot, 'agent.log'), 'utf8');
    const published = [...agentLog.matchAll(/INFO: ready ([0-9A-F]{24})/g)].length;
    expect(published, agentLog).toBeGreaterThan(8); // most segments came through the agent's queue
    expect(agentLog).not.toMatch(/failed/);
    expect(agentLog.match(/refused serve/g) ?? []).toHaveLength(1);
    const pgLog = await readFile(restored.logPath, 'utf8');
    expect(pgLog).not.toMatch(/is not a command an s3:\/\/ target answers/);
    expect(pgLog).not.toMatch(/ERROR: /);
    expect(await readdir(join(slot, 'ready'))).toEqual([]);
  }, 900_000);
});
