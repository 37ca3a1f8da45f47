// issue 13 "Must show": the store stopped mid-upload. A slow TCP forwarder in this process stands in
// front of radosgw and throttles what clients send, so the PUT of a 16 MiB segment is in flight for
// seconds; radosgw is SIGKILLed while it is. walship-archive may report the segment archived only
// after the store acknowledged the whole object: never before, and never when the store stays down.
import { rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCephBucket, SYSTEM_PATH, type Ceph } from '../helpers/ceph.js';
import { makeTempDir } from '../helpers/files.js';
import { waitFor } from '../helpers/poll.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run, type RunResult } from '../helpers/run.js';
import { MiB, randomSegment } from '../fixtures/restore/segments.js';
import type { ObjectStore } from '../../src/object-store/client.js';

const BUCKET = 'walship';
const NAME = '000000010000000000000041';
/** 16 MiB at 4 MiB/s: the PUT's body takes about 4 s to pass, time enough to kill the store under it. */
const SEGMENT_SIZE = 16 * MiB;
const THROTTLE_BYTES_PER_SECOND = 4 * MiB;
/** Far beyond the few KiB of the identity GET/PUT and the LIST: only the segment's PUT gets there. */
const IN_FLIGHT_BYTES = 2 * MiB;
let ceph: Ceph;
let dir: string;
let store: ObjectStore;
let stopStore: (() => Promise<void>) | undefined;

beforeAll(async () => {
  requireIntegration(['root', 'ceph']);
  ({ ceph, store, stop: stopStore } = await startCephBucket(BUCKET));
  dir = await makeTempDir('walship-s3-faults-');
});

afterAll(async () => {
  await stopStore?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface SlowForwarder {
  url: string;
  /** The most bytes one connection has passed upstream: how far the segment's PUT got. */
  largestUpload(): number;
  /** Connections waiting at the gate for the store to come back. */
  held(): number;
  /** From now on new connections wait (a load balancer queueing while its backend restarts)... */
  hold(): void;
  /** ...until this lets them through, unthrottled. */
  release(): void;
  close(): void;
}

/**
 * Forwards TCP to radosgw, passing at most THROTTLE_BYTES_PER_SECOND upstream per connection. When
 * the store's side closes (radosgw killed), the client's side is destroyed with it, as a dead
 * server's connection would be; with radosgw down a new connection finds nothing and is closed.
 */
async function startSlowForwarder(upstreamPort: number): Promise<SlowForwarder> {
  let largest = 0;
  let throttled = true;
  let waiting = 0;
  let gate: { opened: Promise<void>; open: () => void } | undefined;
  const forward = (client: Socket): void => {
    // Gone while held (walship-archive gave up or was killed): nothing to connect for.
    if (client.destroyed) return;
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const [socket, other] of [[client, upstream], [upstream, client]] as const) socket.on('error', () => other.destroy()).on('close', () => other.destroy());
    upstream.pipe(client);
    const started = Date.now();
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      sent += chunk.length;
      largest = Math.max(largest, sent);
      const due = started + (sent / THROTTLE_BYTES_PER_SECOND) * 1000 - Date.now();
      if (throttled && due > 0) {
        client.pause();
        setTimeout(() => client.resume(), due);
      }
    });
    client.resume();
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    const current = gate;
    if (current === undefined) return forward(client);
    waiting++;
    void current.opened.then(() => (waiting--, forward(client)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
    largestUpload: () => largest,
    held: () => waiting,
    hold: () => {
      let open = (): void => {};
      const opened = new Promise<void>((resolve) => (open = resolve));
      gate = { opened, open };
    },
    release: () => {
      throttled = false;
      gate?.open();
      gate = undefined;
    },
    close: () => server.close(),
  };
}

const env = (): Record<string, string> => ({ ...ceph.env, PATH: SYSTEM_PATH });
const key = (prefix: string): string => `${prefix}/pg/wals/0000000100000000/${NAME}`;

/** Starts walship-archive through the forwarder; `done()` tells whether it has exited yet. */
async function startArchive(prefix: string, endpoint: string): Promise<{ bytes: Buffer; result: Promise<RunResult>; done: () => boolean }> {
  await run(['mkdir', '-p', `${dir}/${prefix}`]);
  const bytes = randomSegment(NAME, SEGMENT_SIZE);
  await writeFile(`${dir}/${prefix}/${NAME}`, bytes);
  let exited = false;
  const result = run([binPath('walship-archive'), '--endpoint-url', endpoint, `s3://${BUCKET}/${prefix}`, 'pg', `${dir}/${prefix}/${NAME}`], { env: env(), cwd: dir, timeoutMs: 120_000 });
  void result.finally(() => (exited = true));
  return { bytes, result, done: () => exited };
}

describe('radosgw killed while a segment is being PUT', () => {
  it('restarted while the client retries: exit 0, the object byte-identical, and no object before the store acknowledged', async () => {
    const forwarder = await startSlowForwarder(Number(new URL(ceph.endpoint).port));
    try {
      const archive = await startArchive('restarted', forwarder.url);
      await waitFor('the PUT of the segment in flight', async () => forwarder.largestUpload() >= IN_FLIGHT_BYTES, 60_000, 20);
      // Retries wait at the forwarder from here on, so "restarted within the retry window" does not
      // depend on the backoff, whose whole window (1.5-3 s) may be shorter than a radosgw start.
      forwarder.hold();
      await ceph.stopGateway();
      await waitFor('walship-archive retrying the PUT', async () => forwarder.held() > 0, 30_000, 20);
      await ceph.startGateway();
      // The store is back and the interrupted PUT left no object; walship-archive has not said archived.
      expect(await store.listKeys(key('restarted'))).toEqual([]);
      expect(archive.done()).toBe(false);
      forwarder.release();
      const archived = await archive.result;
      expect(archived.code, describeRun(archived)).toBe(0);
      expect(archived.stderr).toMatch(/^WARNING: PUT s3:\/\/walship\/restarted\/\S+: .*; retrying in \d+ ms$/m);
      expect(await store.listKeys(key('restarted'))).toEqual([key('restarted')]);
      expect((await store.getObjectBuffer(key('restarted')))!.equals(archive.bytes)).toBe(true);
    } finally {
      forwarder.close();
      await ceph.startGateway().catch(() => undefined);
    }
  });

  it('not restarted: exit 3 with an ERROR line and no object; once the store is back, a later call archives it', async () => {
    const forwarder = await startSlowForwarder(Number(new URL(ceph.endpoint).port));
    try {
      const archive = await startArchive('down', forwarder.url);
      await waitFor('the PUT of the segment in flight', async () => forwarder.largestUpload() >= IN_FLIGHT_BYTES, 60_000, 20);
      await ceph.stopGateway();
      const failed = await archive.result;
      expect(failed.code, describeRun(failed)).toBe(3);
      expect(failed.stderr).toMatch(/^ERROR: PUT s3:\/\/walship\/down\/pg\/wals\/0000000100000000\/000000010000000000000041: /m);
      await ceph.startGateway();
      expect(await store.listKeys('down/pg/wals/')).toEqual([]);
      forwarder.release();
      const again = await run([binPath('walship-archive'), '--endpoint-url', forwarder.url, `s3://${BUCKET}/down`, 'pg', `${dir}/down/${NAME}`], { env: env(), cwd: dir });
      expect(again.code, describeRun(again)).toBe(0);
      expect((await store.getObjectBuffer(key('down')))!.equals(archive.bytes)).toBe(true);
    } finally {
      forwarder.close();
      await ceph.startGateway().catch(() => undefined);
    }
  });
});
