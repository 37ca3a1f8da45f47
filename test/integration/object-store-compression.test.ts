// issue 13: walship-archive --xz / --zstd / --lz4 with an s3:// target. Each object lands under
// barman-cloud's suffix for its compression, is checked by the reference program (`-t`, and `-dc`
// gives the segment back), and walship-restore delivers it byte-identical. Real radosgw, no mock.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCephBucket, SYSTEM_PATH, type Ceph } from '../helpers/ceph.js';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { makeSegment } from '../fixtures/restore/segments.js';
import type { ObjectStore } from '../../src/object-store/client.js';

const BUCKET = 'walship';
let ceph: Ceph;
let dir: string;
let store: ObjectStore;
let stopStore: (() => Promise<void>) | undefined;

beforeAll(async () => {
  requireIntegration(['root', 'ceph', 'barman-cloud']);
  ({ ceph, store, stop: stopStore } = await startCephBucket(BUCKET));
  dir = await makeTempDir('walship-s3-codec-');
});

afterAll(async () => {
  await stopStore?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ ...ceph.env, PATH: SYSTEM_PATH });
const SEGMENT = '000000010000000000000021';
const HISTORY = '00000002.history';
const HISTORY_BYTES = Buffer.from('1\t0/21000000\tno recovery target specified\n');

/** [flag, barman-cloud's key suffix, the reference program]. */
const CODECS = [
  ['xz', '.xz', 'xz'],
  ['zstd', '.zst', 'zstd'],
  ['lz4', '.lz4', 'lz4'],
] as const;

describe.each(CODECS)('--%s with an s3:// target', (kind, suffix, program) => {
  const prefix = `codec-${kind}`;
  const url = `s3://${BUCKET}/${prefix}`;
  const keys = { [SEGMENT]: `${prefix}/pg/wals/0000000100000000/${SEGMENT}${suffix}`, [HISTORY]: `${prefix}/pg/wals/${HISTORY}${suffix}` };

  it(`stores ${suffix} objects that \`${program} -t\` accepts and that decode to the file's bytes`, async () => {
    for (const [name, bytes] of [[SEGMENT, makeSegment(SEGMENT)], [HISTORY, HISTORY_BYTES]] as const) {
      const path = `${dir}/${kind}/${name}`;
      await mkdir(`${dir}/${kind}`, { recursive: true });
      await writeFile(path, bytes);
      const archived = await run([binPath('walship-archive'), '--endpoint-url', ceph.endpoint, `--${kind}`, url, 'pg', path], { env: env() });
      expect(archived.code, describeRun(archived)).toBe(0);
      // Exactly one object for the file, under the suffix that names its compression.
      expect(await store.listKeys(keys[name].slice(0, -suffix.length))).toEqual([keys[name]]);
      const stored = (await store.getObjectBuffer(keys[name]))!;
      const tested = await run([program, '-t'], { input: stored });
      expect(tested.code, describeRun(tested)).toBe(0);
      const decoded = await run([program, '-dc'], { input: stored });
      expect(decoded.code, describeRun(decoded)).toBe(0);
      expect(decoded.stdout.equals(bytes)).toBe(true);
    }
    // makeSegment's filler repeats: a compressed object far smaller than 16 MiB shows compression ran.
    expect((await store.getObjectBuffer(keys[SEGMENT]))!.length).toBeLessThan(makeSegment(SEGMENT).length / 4);
  });

  it('walship-restore delivers each object byte-identical', async () => {
    for (const [name, bytes] of [[SEGMENT, makeSegment(SEGMENT)], [HISTORY, HISTORY_BYTES]] as const) {
      const dest = `${dir}/${kind}-restored-${name}`;
      const restored = await run([binPath('walship-restore'), '--endpoint-url', ceph.endpoint, url, 'pg', name, dest], { env: env() });
      expect(restored.code, describeRun(restored)).toBe(0);
      expect((await readFile(dest)).equals(bytes)).toBe(true);
    }
  });

  // Pinned because the failure is silent: barman-cloud 3.4 knows only .gz, .bz2 and .snappy
  // (barman/cloud.py ALLOWED_COMPRESSIONS), skips the object as an "Unknown WAL file" and answers
  // "not found" (exit 1), which PostgreSQL takes as the end of the archive. If Debian's barman-cloud
  // learns these suffixes, this flips and the README's compatibility note must change with it.
  it(`Debian's barman-cloud-wal-restore 3.4 cannot read ${suffix}: it skips the object and exits 1 (not found)`, async () => {
    const dest = `${dir}/${kind}-barman-cloud-${SEGMENT}`;
    const theirs = await run(['barman-cloud-wal-restore', '--endpoint-url', ceph.endpoint, url, 'pg', SEGMENT, dest], { env: env() });
    expect(theirs.code, describeRun(theirs)).toBe(1);
    expect(theirs.stderr).toContain(`Unknown WAL file: ${keys[SEGMENT]}`);
    await expect(readFile(dest)).rejects.toThrow(/ENOENT/);
  });
});
