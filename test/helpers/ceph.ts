// A real S3-compatible, distributed object store for the tests: a single-node Ceph cluster (one
// mon, one memstore OSD, radosgw) on 127.0.0.1, from Debian 12's ceph-mon, ceph-osd and radosgw 16.2.
// Chosen over Swift all-in-one because it measured faster to start (~3 s vs ~4.5 s), smaller
// (~140 vs 255 MiB RSS) and has fewer moving parts (3 daemons, no memcached) on 2 shared cores.
// Every daemon runs under `timeout` (daemon.ts) and stops by PID; the data lives in memory (memstore)
// and in a dir under /dev/shm removed by stop().

import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { ObjectStore } from '../../src/object-store/client.js';
import { resolveEndpoint } from '../../src/object-store/target.js';
import { startDaemon, waitUntilReady, type Daemon } from './daemon.js';
import { freePort } from './free-port.js';
import { describeRun, run } from './run.js';

export interface Ceph {
  /** http://127.0.0.1:PORT: radosgw's S3 API. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** AWS_* variables for walship and barman-cloud (region, keys, endpoint). */
  env: Record<string, string>;
  /** Stops radosgw only (the S3 endpoint goes away, the cluster keeps the objects). */
  stopGateway(): Promise<void>;
  /** Starts radosgw again on the same port; does nothing while it runs. */
  startGateway(): Promise<void>;
  /**
   * The PID of radosgw itself (not of its `timeout` wrapper), for a test that SIGSTOPs it: a store
   * that accepts connections (the kernel still does) and never answers. Undefined while it is stopped.
   */
  gatewayPid(): Promise<number | undefined>;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's python3 (barman-cloud's, with boto3) and the ceph CLIs; a pyenv python3 earlier on PATH has neither. */
export const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const ACCESS_KEY = 'WALSHIPTESTACCESSKEY';
const SECRET_KEY = 'walship-test-secret-key-0123456789abcdef';

/** ceph.conf: the pitfalls of issue 13 each have a line (cephx, paxos interval, pool size 1, logs in dir). */
const cephConf = (dir: string, fsid: string, monPort: number, rgwPort: number): string => `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr2 = false
# auth = none makes radosgw loop on an auth error: cephx it is
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${dir}/keyring
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
# else the mon writes its cluster log under /var/log/ceph
mon cluster log file = ${dir}/log/cluster.log
mon data = ${dir}/mon.$id
# the mon refuses to start (exit 28, ENOSPC) below 5% free on its data dir's filesystem: a full /tmp
# on a test machine is not the store's concern here, objects live in memory (memstore)
mon data avail crit = 0
mon data avail warn = 0
osd data = ${dir}/osd.$id
osd objectstore = memstore
memstore device bytes = 2147483648
# one OSD: pools of size 1, few PGs (radosgw creates about 7 pools)
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# the default (1 s) makes start-up take 11-15 s
paxos propose interval = 0.05
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
[osd]
keyring = ${dir}/osd.$id/keyring
`;

/** The PIDs a daemon's `timeout` wrapper started (radosgw, for the gateway). */
async function childrenOf(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return children.split(/\s+/).filter(Boolean).map(Number);
}

async function must(argv: string[]): Promise<string> {
  const result = await run(argv, { env: { PATH: SYSTEM_PATH }, timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`ceph set-up step failed\n${describeRun(result)}`);
  return result.stdout.toString('utf8');
}

export async function startCeph(): Promise<Ceph> {
  // In RAM (tmpfs): the mon's store must not depend on how full /tmp is (it exits 28 below 5% free,
  // and at 0% even with mon data avail crit = 0), and radosgw's objects are in memory anyway (memstore).
  const dir = await mkdtemp('/dev/shm/walship-ceph-');
  const monPort = await freePort();
  // radosgw's port is chosen just before it first starts (the cluster's set-up takes seconds, in
  // which another test's server could take a port picked now), and again if it was taken anyway.
  let rgwPort = await freePort();
  const fsid = randomUUID();
  const conf = `${dir}/ceph.conf`;
  const daemons: Daemon[] = [];
  const start = (name: string, argv: string[]): Daemon => {
    const daemon = startDaemon(argv, { logPath: `${dir}/log/${name}.out`, lifetimeSignal: 'SIGTERM', env: { PATH: SYSTEM_PATH } });
    daemons.push(daemon);
    return daemon;
  };
  const stopAll = async (): Promise<void> => {
    for (const daemon of daemons.reverse()) await daemon.stop('SIGTERM', 5_000);
    daemons.length = 0;
  };
  try {
    await Promise.all(['mon.a', 'osd.0', 'run', 'rgw', 'log'].map((d) => mkdir(`${dir}/${d}`)));
    await writeFile(conf, cephConf(dir, fsid, monPort, rgwPort));
    await must(['ceph-authtool', '--create-keyring', `${dir}/keyring`, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await must(['ceph-authtool', `${dir}/keyring`, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
    await must(['monmaptool', '--create', '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, '--fsid', fsid, `${dir}/monmap`]);
    await must(['ceph-mon', '-c', conf, '--mkfs', '-i', 'a', '--monmap', `${dir}/monmap`, '--keyring', `${dir}/keyring`]);
    start('mon', ['ceph-mon', '-c', conf, '-i', 'a', '-f']);
    const osdUuid = randomUUID();
    // --connect-timeout: a mon that died at start-up fails the set-up instead of hanging it.
    await must(['ceph', '-c', conf, '--connect-timeout', '20', 'osd', 'new', osdUuid]);
    await must(['ceph-osd', '-c', conf, '-i', '0', '--mkfs', '--mkkey', '--osd-uuid', osdUuid, '--no-mon-config']);
    await must(['ceph', '-c', conf, '--connect-timeout', '20', 'auth', 'add', 'osd.0', 'osd', 'allow *', 'mon', 'allow profile osd', '-i', `${dir}/osd.0/keyring`]);
    start('osd', ['ceph-osd', '-c', conf, '-i', '0', '-f']);
    // Before radosgw starts (issue 13): the user's keys are then there on its first request.
    await must(['radosgw-admin', '-c', conf, 'user', 'create', '--uid=walship', '--display-name=walship', `--access-key=${ACCESS_KEY}`, `--secret=${SECRET_KEY}`]);
  } catch (error) {
    await stopAll();
    throw error;
  }
  let endpoint = '';
  let gateway: Daemon | undefined;
  const startGateway = async (): Promise<void> => {
    // Idempotent, so a test's `finally` can make sure the store is up: a second radosgw on the port
    // would fail to bind while the readiness probe, answered by the first, called it started.
    if (gateway !== undefined && !gateway.exited()) return;
    gateway = start('rgw', ['radosgw', '-c', conf, '-n', 'client.admin', '-f']);
    await waitUntilReady(gateway, () => fetch(endpoint).then(() => true, () => false), { name: 'radosgw', logPath: `${dir}/log/rgw.out`, timeoutMs: 30_000 });
  };
  try {
    for (let attempt = 1; ; attempt++) {
      rgwPort = await freePort();
      endpoint = `http://127.0.0.1:${rgwPort}`;
      await writeFile(conf, cephConf(dir, fsid, monPort, rgwPort));
      try {
        await startGateway();
        break;
      } catch (error) {
        const log = await readFile(`${dir}/log/rgw.out`, 'utf8').catch(() => '');
        if (attempt >= 3 || !log.includes('Address already in use')) throw error;
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const env = { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint };
  return {
    endpoint,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    env,
    startGateway,
    gatewayPid: async () => (gateway === undefined ? undefined : (await childrenOf(gateway.pid))[0]),
    stopGateway: async () => {
      const current = gateway;
      if (!current) return;
      // SIGKILL to radosgw itself, as a crash would: the `timeout` wrapper cannot pass SIGKILL on,
      // and killing only the wrapper would orphan radosgw. The wrapper then exits with it.
      for (const pid of await childrenOf(current.pid)) process.kill(pid, 'SIGKILL');
      await current.stop('SIGTERM', 5_000);
      daemons.splice(daemons.indexOf(current), 1);
      gateway = undefined;
    },
    createBucket: async (name) => {
      // boto3 from Debian's python3-boto3 (barman-cli-cloud's dependency): walship's client creates no buckets.
      const script = 'import boto3,sys; boto3.client("s3", endpoint_url=sys.argv[1]).create_bucket(Bucket=sys.argv[2])';
      const result = await run(['/usr/bin/python3', '-c', script, endpoint, name], { env: { ...env, PATH: SYSTEM_PATH } });
      if (result.code !== 0) throw new Error(`create bucket ${name}\n${describeRun(result)}`);
    },
    stop: async () => {
      await stopAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A running cluster with one bucket, and walship's own client on it straight to radosgw (to read raw objects back and list keys). */
export interface CephBucket {
  ceph: Ceph;
  store: ObjectStore;
  /** Closes the client and stops the cluster. */
  stop(): Promise<void>;
}

/** A cluster with `bucket` made (stopped again if the bucket cannot be). */
export async function startCephWithBucket(bucket: string): Promise<Ceph> {
  const ceph = await startCeph();
  try {
    await ceph.createBucket(bucket);
  } catch (error) {
    await ceph.stop();
    throw error;
  }
  return ceph;
}

export async function startCephBucket(bucket: string): Promise<CephBucket> {
  const ceph = await startCephWithBucket(bucket);
  const store = new ObjectStore({ endpoint: resolveEndpoint(ceph.endpoint, {}), bucket, credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey } });
  return { ceph, store, stop: async () => (store.close(), ceph.stop()) };
}
