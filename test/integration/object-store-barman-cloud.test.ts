// walship-archive / walship-restore against a real S3 store (one-node Ceph radosgw, issue 13), read
// and written by Debian's barman-cloud-wal-restore / -archive 3.4 in both directions, plus the
// store's faults: down, throttling (503), a corrupt object, different duplicates, another cluster.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeph, SYSTEM_PATH, type Ceph } from '../helpers/ceph.js';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { startFlakyProxy } from '../fixtures/object-store/flaky-proxy.js';
import { randomSegment } from '../fixtures/restore/segments.js';
import { ObjectStore, putBodyOf } from '../../src/object-store/client.js';
import { resolveEndpoint } from '../../src/object-store/target.js';

const BUCKET = 'walship';
let ceph: Ceph;
let dir: string;
let store: ObjectStore;

beforeAll(async () => {
  requireIntegration(['root', 'ceph', 'barman-cloud']);
  ceph = await startCeph();
  await ceph.createBucket(BUCKET);
  dir = await makeTempDir('walship-s3-');
  store = new ObjectStore({ endpoint: resolveEndpoint(ceph.endpoint, {}), bucket: BUCKET, credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey } });
});

afterAll(async () => {
  store?.close();
  await ceph?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ ...ceph.env, PATH: `${SYSTEM_PATH}` });
const walshipArchive = (url: string, path: string, flags: string[] = [], endpoint = ceph.endpoint) =>
  run([binPath('walship-archive'), '--endpoint-url', endpoint, ...flags, url, 'pg', path], { env: env(), cwd: dir });
const walshipRestore = (url: string, name: string, dest: string) =>
  run([binPath('walship-restore'), '--endpoint-url', ceph.endpoint, url, 'pg', name, dest], { env: env(), cwd: dir });

/** Writes `bytes` as <dir>/<tag>/<name> and returns the path. */
async function walFile(tag: string, name: string, bytes: Buffer): Promise<string> {
  const sub = `${dir}/${tag}`;
  await run(['mkdir', '-p', sub]);
  await writeFile(`${sub}/${name}`, bytes);
  return `${sub}/${name}`;
}

const NAMES = ['000000010000000000000001', '000000010000000000000002', '000000010000000000000003'];

describe('barman-cloud 3.4 compatibility', () => {
  for (const [mode, flags] of [['plain', []], ['gzip', ['-z']], ['bzip2', ['-j']]] as const) {
    it(`walship-archive (${mode}) → radosgw → barman-cloud-wal-restore: every segment byte-identical`, async () => {
      const url = `s3://${BUCKET}/wa-${mode}`;
      for (const name of [...NAMES, '00000002.history']) {
        const bytes = name.endsWith('.history') ? Buffer.from('1\t0/3000000\tno recovery target specified\n') : randomSegment(name);
        const path = await walFile(`wa-${mode}`, name, bytes);
        const archived = await walshipArchive(url, path, [...flags]);
        expect(archived.code, describeRun(archived)).toBe(0);
        const dest = `${dir}/wa-${mode}/restored-${name}`;
        const restored = await run(['barman-cloud-wal-restore', '--endpoint-url', ceph.endpoint, url, 'pg', name, dest], { env: env() });
        expect(restored.code, describeRun(restored)).toBe(0);
        expect((await readFile(dest)).equals(bytes)).toBe(true);
      }
      const suffix = { plain: '', gzip: '.gz', bzip2: '.bz2' }[mode];
      expect(await store.listKeys(`wa-${mode}/pg/wals/0000000100000000/`)).toEqual(NAMES.map((n) => `wa-${mode}/pg/wals/0000000100000000/${n}${suffix}`));
      expect(await store.listKeys(`wa-${mode}/pg/wals/00000002`)).toEqual([`wa-${mode}/pg/wals/00000002.history${suffix}`]);
    });

    it(`barman-cloud-wal-archive (${mode}) → radosgw → walship-restore: every segment byte-identical`, async () => {
      const url = `s3://${BUCKET}/bc-${mode}`;
      for (const name of [...NAMES, '00000002.history']) {
        const bytes = name.endsWith('.history') ? Buffer.from('1\t0/3000000\tno recovery target specified\n') : randomSegment(name);
        const path = await walFile(`bc-${mode}`, name, bytes);
        const archived = await run(['barman-cloud-wal-archive', '--endpoint-url', ceph.endpoint, ...flags, url, 'pg', path], { env: env() });
        expect(archived.code, describeRun(archived)).toBe(0);
        const dest = `${dir}/bc-${mode}/RECOVERYXLOG`;
        const restored = await walshipRestore(url, name, dest);
        expect(restored.code, describeRun(restored)).toBe(0);
        expect((await readFile(dest)).equals(bytes)).toBe(true);
      }
    });
  }

  it('walship-restore exits 1 for a name with no object, and barman-cloud-wal-restore agrees', async () => {
    const missing = await walshipRestore(`s3://${BUCKET}/wa-plain`, '0000000100000000000000FE', `${dir}/missing`);
    expect(missing.code, describeRun(missing)).toBe(1);
    const theirs = await run(['barman-cloud-wal-restore', '--endpoint-url', ceph.endpoint, `s3://${BUCKET}/wa-plain`, 'pg', '0000000100000000000000FE', `${dir}/missing`], { env: env() });
    expect(theirs.code).toBe(1);
  });
});

describe('guarantees and faults', () => {
  const name = '000000010000000000000010';
  const key = (prefix: string, n = name) => `${prefix}/pg/wals/0000000100000000/${n}`;

  it('a corrupt object exits 2, never 1, and leaves nothing at WAL_DEST', async () => {
    await store.putObject(`${key('corrupt')}.gz`, putBodyOf(Buffer.from('not gzip at all, just bytes')), { ifAbsent: false });
    await store.putObject(key('corrupt', '000000010000000000000011'), putBodyOf(randomSegment('000000010000000000000011').subarray(0, 4096)), { ifAbsent: false });
    for (const n of [name, '000000010000000000000011']) {
      const dest = `${dir}/corrupt-${n}`;
      const result = await walshipRestore(`s3://${BUCKET}/corrupt`, n, dest);
      expect(result.code, describeRun(result)).toBe(2);
      expect(result.stderr).toMatch(/^ERROR: object corrupt|^ERROR: received/m);
      await expect(readFile(dest)).rejects.toThrow(/ENOENT/);
    }
  });

  it('an identical duplicate exits 0; different bytes exit 0, are kept under errors/ and never replace the archived object', async () => {
    const first = randomSegment(name);
    expect((await walshipArchive(`s3://${BUCKET}/dup`, await walFile('dup1', name, first))).code).toBe(0);
    // The same WAL again, compressed this time: identical after decoding, nothing kept aside.
    const again = await walshipArchive(`s3://${BUCKET}/dup`, await walFile('dup1', name, first), ['-z']);
    expect(again.code, describeRun(again)).toBe(0);
    expect(await store.listKeys('dup/pg/errors/')).toEqual([]);
    const other = randomSegment(name);
    const different = await walshipArchive(`s3://${BUCKET}/dup`, await walFile('dup2', name, other));
    expect(different.code, describeRun(different)).toBe(0);
    expect(different.stderr).toMatch(/already archived with DIFFERENT content/);
    expect((await store.getObjectBuffer(key('dup')))!.equals(first)).toBe(true);
    const kept = await store.listKeys('dup/pg/errors/');
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(new RegExp(`^dup/pg/errors/${name}\\.\\d{8}T\\d{6}Z\\.duplicate$`));
    expect((await store.getObjectBuffer(kept[0]!))!.equals(other)).toBe(true);
  });

  it('a .history object is never overwritten', async () => {
    const original = Buffer.from('1\t0/3000000\tno recovery target specified\n');
    expect((await walshipArchive(`s3://${BUCKET}/hist`, await walFile('hist1', '00000002.history', original))).code).toBe(0);
    const replaced = await walshipArchive(`s3://${BUCKET}/hist`, await walFile('hist2', '00000002.history', Buffer.from('1\t0/4000000\tother\n')));
    expect(replaced.code, describeRun(replaced)).toBe(0);
    expect((await store.getObjectBuffer('hist/pg/wals/00000002.history'))!.equals(original)).toBe(true);
  });

  it('a segment of another cluster is refused by the recorded system identifier, and nothing is stored', async () => {
    expect((await walshipArchive(`s3://${BUCKET}/sysid`, await walFile('sysid', name, randomSegment(name)))).code).toBe(0);
    expect((await store.getObjectBuffer('sysid/pg/walship-system-identifier'))!.toString()).toMatch(/^\d+\n$/);
    const foreign = randomSegment('000000010000000000000012', undefined, { systemIdentifier: 42n });
    const refused = await walshipArchive(`s3://${BUCKET}/sysid`, await walFile('sysid', '000000010000000000000012', foreign));
    expect(refused.code, describeRun(refused)).toBe(2);
    expect(refused.stderr).toMatch(/system identifier 42/);
    expect(await store.listKeys(key('sysid', '000000010000000000000012'))).toEqual([]);
  });

  it('with the store down nothing is acknowledged (exit 3); restarted within the retries, the same call succeeds', async () => {
    await ceph.stopGateway();
    try {
      const path = await walFile('down', name, randomSegment(name));
      const down = await walshipArchive(`s3://${BUCKET}/down`, path);
      expect(down.code, describeRun(down)).toBe(3);
      expect(down.stderr).toMatch(/retrying/);
      const pending = walshipArchive(`s3://${BUCKET}/down`, path);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await ceph.startGateway();
      const up = await pending;
      expect(up.code, describeRun(up)).toBe(0);
      expect((await store.getObjectBuffer(key('down')))!.equals(await readFile(path))).toBe(true);
    } finally {
      await ceph.startGateway().catch(() => undefined);
    }
  });

  it('503 SlowDown answers are retried with backoff; a store that keeps refusing fails the call with nothing stored', async () => {
    const flaky = await startFlakyProxy(ceph.endpoint, 3);
    try {
      const bytes = randomSegment(name);
      const ok = await walshipArchive(`s3://${BUCKET}/flaky`, await walFile('flaky', name, bytes), [], flaky.url);
      expect(ok.code, describeRun(ok)).toBe(0);
      expect(flaky.stats.injected).toBe(3);
      expect(ok.stderr).toMatch(/503 SlowDown; retrying/);
      expect((await store.getObjectBuffer(key('flaky')))!.equals(bytes)).toBe(true);
    } finally {
      await flaky.close();
    }
    const refusing = await startFlakyProxy(ceph.endpoint, Infinity);
    try {
      const failed = await walshipArchive(`s3://${BUCKET}/refusing`, await walFile('refusing', name, randomSegment(name)), [], refusing.url);
      expect(failed.code, describeRun(failed)).toBe(2);
      expect(await store.listKeys('refusing/')).toEqual([]);
    } finally {
      await refusing.close();
    }
  });
});
