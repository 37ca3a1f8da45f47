// get-wal against the bucket (src/object-store/serve-get.ts), answered from an in-memory key list:
// the exit statuses restore relies on (1 only with Barman's not-found line), --peek's walk and how
// many LISTs it costs, --test, and a store that never answered. Real radosgw: the integration tests.
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ObjectStoreError } from '../../../src/errors.js';
import type { ObjectStore } from '../../../src/object-store/client.js';
import { serveGetWal } from '../../../src/object-store/serve-get.js';
import { makeSegment } from '../../fixtures/restore/segments.js';

const location = { bucket: 'b1x', prefix: 'base' };
const dir = (hash: string) => `base/pg/wals/${hash}`;

/** The calls serve-get makes, over a map of key → bytes; `down` makes every call fail as an unreachable store does. */
function memoryStore(objects: Record<string, Buffer>, down = false) {
  const lists: string[] = [];
  const store = {
    async listKeys(prefix: string) {
      if (down) throw new ObjectStoreError('GET s3://b1x/: connect ECONNREFUSED', undefined, undefined);
      lists.push(prefix);
      return Object.keys(objects).filter((key) => key.startsWith(prefix)).sort();
    },
    async getObject(key: string) {
      const bytes = objects[key];
      return bytes === undefined ? undefined : Readable.from([bytes]);
    },
  };
  return { opened: { store: store as unknown as ObjectStore, location }, lists };
}

async function call(opened: ReturnType<typeof memoryStore>['opened'], args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const status = await serveGetWal(opened, args, { stdin: new PassThrough(), stdout, stderr, env: {} });
  return { status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
}

const SEG = (n: number, log = 0) => `00000001${log.toString(16).toUpperCase().padStart(8, '0')}${n.toString(16).toUpperCase().padStart(8, '0')}`;

describe('serve-get: fetch', () => {
  const plain = makeSegment(SEG(1), { size: 1 << 20 });
  const zipped = makeSegment(SEG(2), { size: 1 << 20 });

  it('sends the decoded bytes of a plain or .gz object on stdout, exit 0', async () => {
    const { opened } = memoryStore({ [`${dir('0000000100000000')}/${SEG(1)}`]: plain, [`${dir('0000000100000000')}/${SEG(2)}.gz`]: gzipSync(zipped) });
    for (const [name, bytes] of [[SEG(1), plain], [SEG(2), zipped]] as const) {
      const r = await call(opened, ['pg', name]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.equals(bytes)).toBe(true);
      expect(r.stderr).toBe('');
    }
  });

  it("no object: Barman's line and exit 1; a .partial only with --partial", async () => {
    const { opened } = memoryStore({ [`${dir('0000000100000000')}/${SEG(3)}.partial`]: plain });
    const missing = await call(opened, ['pg', SEG(3)]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`ERROR: WAL file '${SEG(3)}' not found in server 'pg'\n`);
    expect(missing.stdout.length).toBe(0);
    const partial = await call(opened, ['--partial', 'pg', SEG(3)]);
    expect(partial.status, partial.stderr).toBe(0);
    expect(partial.stdout.equals(plain)).toBe(true);
  });

  it('a corrupt .gz or an undecodable .snappy is an ERROR line and exit 2, never 1', async () => {
    const { opened } = memoryStore({
      [`${dir('0000000100000000')}/${SEG(4)}.gz`]: Buffer.from('not gzip at all'),
      [`${dir('0000000100000000')}/${SEG(5)}.gz`]: gzipSync(plain).subarray(0, 1000),
      [`${dir('0000000100000000')}/${SEG(6)}.snappy`]: plain,
    });
    for (const name of [SEG(4), SEG(5), SEG(6)]) {
      const r = await call(opened, ['pg', name]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^ERROR: /);
      expect(r.stderr).not.toMatch(/not found/);
    }
  });

  it('-z, -j, --keep-compression and -o are refused with exit 2; a bad WAL name is 3, a bad server name 2', async () => {
    const { opened, lists } = memoryStore({});
    for (const flags of [['-z'], ['-j'], ['--keep-compression'], ['-o', '/tmp']]) {
      const r = await call(opened, [...flags, 'pg', SEG(1)]);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/not supported with an s3:\/\/ target/);
    }
    expect((await call(opened, ['pg', 'not-a-wal'])).status).toBe(3);
    expect((await call(opened, ['pg/../x', SEG(1)])).status).toBe(2);
    expect(lists).toEqual([]);
  });

  it('a store that never answered is thrown (a transport failure), not answered', async () => {
    const { opened } = memoryStore({}, true);
    await expect(call(opened, ['pg', SEG(1)])).rejects.toThrow(/ECONNREFUSED/);
    await expect(call(opened, ['--test', 'pg', 'dummy_wal_name'])).rejects.toThrow(/ECONNREFUSED/);
  });

  it('--test: the ready line after one LIST of a single-key prefix', async () => {
    const { opened, lists } = memoryStore({});
    const r = await call(opened, ['--test', 'pg', 'dummy_wal_name']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('Ready to retrieve WAL files from the server pg\n');
    expect(lists).toEqual(['base/pg/walship-system-identifier']);
  });
});

describe('serve-get: --peek', () => {
  const some = Buffer.from('x');

  it('lists existing names from WAL_NAME on, across the log boundary, with one LIST per hash directory', async () => {
    const objects: Record<string, Buffer> = {};
    for (const n of [0xfd, 0xfe, 0xff]) objects[`${dir('0000000100000000')}/${SEG(n)}.gz`] = some;
    objects[`${dir('0000000100000000')}/${SEG(0xfe)}.00000028.backup`] = some;
    for (const n of [0, 1]) objects[`${dir('0000000100000001')}/${SEG(n, 1)}.bz2`] = some;
    const { opened, lists } = memoryStore(objects);
    const r = await call(opened, ['--peek', '8', 'pg', SEG(0xfd)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe(`${[SEG(0xfd), SEG(0xfe), SEG(0xff), SEG(0, 1), SEG(1, 1)].join('\n')}\n`);
    expect(lists).toEqual([`${dir('0000000100000000')}/`, `${dir('0000000100000001')}/`]);
  });

  it('stops at N names and at a gap; a .partial is not the segment; nothing at WAL_NAME prints nothing', async () => {
    const objects: Record<string, Buffer> = {};
    for (const n of [1, 2, 3, 5]) objects[`${dir('0000000100000000')}/${SEG(n)}`] = some;
    objects[`${dir('0000000100000000')}/${SEG(4)}.partial`] = some;
    const { opened } = memoryStore(objects);
    expect((await call(opened, ['--peek', '2', 'pg', SEG(1)])).stdout.toString()).toBe(`${SEG(1)}\n${SEG(2)}\n`);
    expect((await call(opened, ['--peek', '9', 'pg', SEG(2)])).stdout.toString()).toBe(`${SEG(2)}\n${SEG(3)}\n`);
    const none = await call(opened, ['--peek', '9', 'pg', SEG(9)]);
    expect([none.status, none.stdout.length]).toEqual([0, 0]);
  });

  it('a history file is listed alone when it exists, from a LIST of its own name', async () => {
    const { opened, lists } = memoryStore({ 'base/pg/wals/00000002.history.gz': some });
    expect((await call(opened, ['--peek', '5', 'pg', '00000002.history'])).stdout.toString()).toBe('00000002.history\n');
    expect(lists).toEqual(['base/pg/wals/00000002.history']);
    expect((await call(opened, ['--peek', '5', 'pg', '00000003.history'])).stdout.length).toBe(0);
  });
});
