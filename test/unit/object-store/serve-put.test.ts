// put-wal's far end for s3:// targets, the parts that need no store: its command line, the bound on
// PUTs in flight, and how a refusal becomes put-wal's ERROR line and status (tests against a real
// radosgw are in test/integration/object-store-archive-async.test.ts).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runBounded } from '../../../src/object-store/put-bounded.js';
import { parseServePutArgs, servePutWal } from '../../../src/object-store/serve-put.js';
import type { OpenedStore } from '../../../src/object-store/options.js';
import { ObjectStoreError, UsageError } from '../../../src/errors.js';

describe('parseServePutArgs', () => {
  it.each([
    [['pg'], { server: 'pg', test: false }],
    [['pg', '--test'], { server: 'pg', test: true }],
    [['-t', 'pg'], { server: 'pg', test: true }],
  ])('%j is put-wal %j', (args, expected) => {
    expect(parseServePutArgs(args)).toEqual(expected);
  });

  it.each([[[]], [['a', 'b']], [['--test']], [['--force', 'pg']], [['-x']]])('%j is a usage error', (args) => {
    expect(() => parseServePutArgs(args)).toThrow(UsageError);
  });
});

describe('runBounded', () => {
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('never runs more than the limit at once, and resolves in the items\' order', async () => {
    let running = 0;
    let most = 0;
    const results = await runBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      most = Math.max(most, ++running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });

  it('after a failure starts nothing new, waits for the tasks running, then throws the first failure', async () => {
    const started: number[] = [];
    let finished = 0;
    const outcome = runBounded([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('first');
      for (let i = 0; i < 5; i++) await tick();
      finished++;
      return n;
    });
    await expect(outcome).rejects.toThrow('first');
    expect(started).toEqual([1, 2]);
    expect(finished).toBe(1);
  });

  it('resolves with nothing for no items', async () => {
    expect(await runBounded([], 4, async () => 1)).toEqual([]);
  });
});

describe('servePutWal', () => {
  const io = () => {
    const stderr = new PassThrough();
    const lines: string[] = [];
    stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    return { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {} }, lines };
  };
  const location = { bucket: 'walship', prefix: 'pg15' };
  const storeAnswering = (listKeys: () => Promise<string[]>): OpenedStore => ({ location, store: { listKeys } as unknown as OpenedStore['store'] });

  it('a usage error is put-wal\'s status 2 with an ERROR line', async () => {
    const { io: streams, lines } = io();
    expect(await servePutWal(storeAnswering(async () => []), ['a', 'b'], streams)).toBe(2);
    expect(lines.join('')).toMatch(/^ERROR: put-wal takes one SERVER_NAME/);
  });

  it('--test with a store that answered the LIST: the ready line on stdout, 0', async () => {
    const { io: streams } = io();
    const said: Buffer[] = [];
    streams.stdout.on('data', (chunk: Buffer) => said.push(chunk));
    expect(await servePutWal(storeAnswering(async () => []), ['pg', '--test'], streams)).toBe(0);
    expect(Buffer.concat(said).toString()).toBe('Ready to accept WAL files for the server pg\n');
  });

  it('a store that refused (403) is status 2, as on the sync path; one that never answered is thrown (a transport failure)', async () => {
    const refused = new ObjectStoreError('GET s3://walship/: the store answered 403 AccessDenied', 403, 'AccessDenied');
    const { io: streams, lines } = io();
    expect(await servePutWal(storeAnswering(async () => { throw refused; }), ['pg', '--test'], streams)).toBe(2);
    expect(lines.join('')).toContain('ERROR: GET s3://walship/: the store answered 403 AccessDenied');
    const unreachable = new ObjectStoreError('GET s3://walship/: connect ECONNREFUSED', undefined, undefined);
    await expect(servePutWal(storeAnswering(async () => { throw unreachable; }), ['pg', '--test'], io().io)).rejects.toBe(unreachable);
  });
});

describe('servePutWal and a dropped connection', () => {
  it('a socket error the client did not wrap (a body cut by a killed store) is thrown as the store not answering', async () => {
    const dropped = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const opened = { location: { bucket: 'walship', prefix: '' }, store: { listKeys: async () => { throw dropped; } } } as unknown as OpenedStore;
    const streams = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {} };
    const thrown = await servePutWal(opened, ['pg', '--test'], streams).then(() => undefined, (error: unknown) => error);
    expect(thrown).toBeInstanceOf(ObjectStoreError);
    expect((thrown as ObjectStoreError).status).toBeUndefined();
    expect((thrown as ObjectStoreError).message).toBe('the store dropped the connection: aborted');
  });
});
