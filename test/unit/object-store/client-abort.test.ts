// Cancelling the store client: close(), a per-call signal and a bound view end a request that is
// on the wire (or pausing between retries) at once, as a transport failure, never retried.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectStoreError } from '../../../src/errors.js';
import { ObjectStore } from '../../../src/object-store/client.js';
import { resolveEndpoint } from '../../../src/object-store/target.js';
import { requestsArrived, startStore, stopStore, type Store } from './silent-store.js';

/** Well below the client's 60 s default, yet far above anything a prompt cancel takes on a busy machine. */
const PROMPT_MS = 5_000;

const clientOf = (store: Store, warnings: string[] = []): ObjectStore =>
  new ObjectStore({
    endpoint: resolveEndpoint(store.url, {}),
    bucket: 'walship',
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    // A long pause between attempts, so a cancel that did not cut it would show.
    retry: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
    warn: (line) => warnings.push(line),
  });

/** The rejection of `pending` and how long after `cancel` it came. */
async function cancelAndTime(pending: Promise<unknown>, cancel: () => void): Promise<{ error: unknown; ms: number }> {
  const settled = pending.then(
    () => ({ error: undefined }),
    (error: unknown) => ({ error }),
  );
  const start = Date.now();
  cancel();
  const { error } = await settled;
  return { error, ms: Date.now() - start };
}

/** A cancelled call's error: an ObjectStoreError without a status (a transport failure), naming the request. */
function expectCancelled(error: unknown, what: RegExp): void {
  expect(error).toBeInstanceOf(ObjectStoreError);
  expect((error as ObjectStoreError).status).toBeUndefined();
  expect((error as Error).message).toMatch(what);
  expect((error as Error).message).toMatch(/: cancelled$/);
}

let store: Store;
let client: ObjectStore;
afterEach(async () => {
  client.close();
  await stopStore(store);
});

describe('a request waiting for an answer', () => {
  beforeEach(async () => {
    store = await startStore();
    client = clientOf(store);
  });

  it('close() ends a pending GET at once with a transport failure, and sends no retry', async () => {
    const pending = client.getObject('wals/a');
    await requestsArrived(store, 1);
    const { error, ms } = await cancelAndTime(pending, () => client.close());
    expectCancelled(error, /^GET s3:\/\/walship\/wals\/a/);
    expect(ms).toBeLessThan(PROMPT_MS);
    expect(store.requests).toHaveLength(1);
  });

  it("a per-call signal ends that call alone; the client's other calls go on", async () => {
    const controller = new AbortController();
    const cancelled = client.listKeys('wals/', { signal: controller.signal });
    const other = client.getObject('wals/b').catch((error: unknown) => error);
    await requestsArrived(store, 2);
    const { error, ms } = await cancelAndTime(cancelled, () => controller.abort());
    expectCancelled(error, /^GET s3:\/\/walship\/: cancelled$/);
    expect(ms).toBeLessThan(PROMPT_MS);
    // Still pending: only close() ends it.
    expect(await Promise.race([other, new Promise((resolve) => setTimeout(() => resolve('pending'), 100))])).toBe('pending');
    client.close();
    expectCancelled(await other, /^GET s3:\/\/walship\/wals\/b/);
    expect(store.requests).toHaveLength(2);
  });

  it('a PUT through a view bound by withSignal ends when the signal aborts', async () => {
    const controller = new AbortController();
    const view = client.withSignal(controller.signal);
    const body = Buffer.from('wal');
    const pending = view.putObject('wals/c', { length: body.length, md5: Buffer.alloc(16), sha256Hex: '0'.repeat(64), data: body }, { ifAbsent: true });
    await requestsArrived(store, 1);
    const { error } = await cancelAndTime(pending, () => controller.abort());
    expectCancelled(error, /^PUT s3:\/\/walship\/wals\/c/);
  });

  it('a signal aborted before the call fails it without sending anything', async () => {
    const controller = new AbortController();
    controller.abort();
    expectCancelled(await client.getObject('wals/d', { signal: controller.signal }).catch((error: unknown) => error), /wals\/d/);
    client.close();
    expectCancelled(await client.listKeys('wals/').catch((error: unknown) => error), /^GET s3:\/\/walship\//);
    expect(store.requests).toHaveLength(0);
  });
});

describe('many calls at once', () => {
  it("neither warns of a listener leak (restore -p 64's GETs share close()'s signal) nor keeps a listener past its call", async () => {
    store = await startStore(() => ({ status: 404, body: '' }));
    client = clientOf(store);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const gets = Array.from({ length: 40 }, (_, i) => client.getObject(`wals/${i}`));
      expect(await Promise.all(gets)).toEqual(new Array(40).fill(undefined));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.message)).toEqual([]);
    expect(getEventListeners((client as unknown as { shared: { closed: AbortController } }).shared.closed.signal, 'abort')).toHaveLength(0);
  });
});

describe('a request pausing before its retry', () => {
  it('close() cuts the pause short: no further attempt, the cancel and not the 503 is the error', async () => {
    store = await startStore(() => ({ status: 503, body: '<Error><Code>SlowDown</Code></Error>' }));
    const warnings: string[] = [];
    client = clientOf(store, warnings);
    const pending = client.getObject('wals/e');
    // The 503 arrived and the client announced its (60 s) pause.
    while (warnings.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(warnings[0]).toMatch(/^WARNING: GET s3:\/\/walship\/wals\/e: 503 SlowDown; retrying in \d+ ms$/);
    const { error, ms } = await cancelAndTime(pending, () => client.close());
    expectCancelled(error, /^GET s3:\/\/walship\/wals\/e/);
    expect(ms).toBeLessThan(PROMPT_MS);
    expect(store.requests).toHaveLength(1);
  });
});

describe('a response whose body is being read', () => {
  it('the body stream ends with the cancel too, not with a premature end', async () => {
    store = await startStore();
    store.server.removeAllListeners('request');
    store.server.on('request', (req, res) => {
      store.requests.push(req);
      res.writeHead(200, { 'content-length': '100' }).write('partial');
    });
    client = clientOf(store);
    const controller = new AbortController();
    const body = await client.getObject('wals/f', { signal: controller.signal });
    const reading = (async () => {
      for await (const chunk of body!) void chunk;
    })();
    const { error } = await cancelAndTime(reading, () => controller.abort());
    expectCancelled(error, /^GET s3:\/\/walship\/wals\/f/);
  });
});
