// A single-member etcd 3.4 (Debian's etcd-server) on 127.0.0.1, as Patroni's DCS for one test file.
import { logTail, startDaemon, waitUntilReady } from './daemon.js';
import type { Daemon } from './daemon.js';
import { ensureOwnedDir, writeOwnedFile } from './files.js';
import { freePort } from './free-port.js';
import { ensureUser, loginEnv, PG_USER } from './users.js';

export interface Etcd {
  /** `127.0.0.1:<port>`: Patroni's `etcd3.hosts`. */
  endpoint: string;
  logPath: string;
  /** SIGTERM by PID, then waits (idempotent). */
  stop(): Promise<void>;
}

const ETCD = '/usr/bin/etcd';
const BIND_ATTEMPTS = 5;

/** Starts etcd as PG_USER with its data in dir/etcd, client and peer URLs on free 127.0.0.1 ports. */
export async function startEtcd(dir: string): Promise<Etcd> {
  const user = await ensureUser(PG_USER);
  await ensureOwnedDir(`${dir}/etcd`, user, 0o700);
  const logPath = `${dir}/etcd.log`;
  await writeOwnedFile(logPath, '', user, 0o644);
  for (let attempt = 1; ; attempt++) {
    const [client, peer] = [await freePort(), await freePort()];
    const argv = [ETCD, '--name', 'walship-test', '--data-dir', `${dir}/etcd/data`,
      '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `walship-test=http://127.0.0.1:${peer}`, '--initial-cluster-state', 'new',
      '--listen-metrics-urls', '', '--log-level', 'warn'];
    const daemon: Daemon = startDaemon(argv, { logPath, user, env: loginEnv(user), cwd: dir, lifetimeSignal: 'SIGTERM' });
    const healthy = async (): Promise<boolean> => {
      const r = await fetch(`http://127.0.0.1:${client}/health`).catch(() => undefined);
      return r?.ok === true && ((await r.json()) as { health?: string }).health === 'true';
    };
    try {
      await waitUntilReady(daemon, healthy, { name: 'etcd', logPath, timeoutMs: 20_000 });
      return { endpoint: `127.0.0.1:${client}`, logPath, stop: () => daemon.stop('SIGTERM', 10_000) };
    } catch (err) {
      if (attempt >= BIND_ATTEMPTS || !/address already in use/.test(await logTail(logPath, 10))) throw err;
    }
  }
}
