// Patroni 3.0.2 members (Debian's patroni) on this machine: REST API and PostgreSQL on 127.0.0.1,
// etcd3 as the DCS, each Patroni under `timeout` and stopped by PID.
import { access, readFile } from 'node:fs/promises';
import { startDaemon, waitUntilReady } from './daemon.js';
import type { Daemon } from './daemon.js';
import { ensureOwnedDir, writeOwnedFile } from './files.js';
import { freePort } from './free-port.js';
import { PG_BIN } from './requirements.js';
import { describeRun, run } from './run.js';
import { ensureUser, loginEnv, PG_USER } from './users.js';

export interface PatroniMemberOptions {
  scope: string;
  name: string;
  /** Parent directory (owned by PG_USER) for the member's data dir, log and config. */
  dir: string;
  etcdEndpoint: string;
  /** The `bootstrap` section (dcs, initdb or a custom method, pg_hba); used only by the member that bootstraps. */
  bootstrap: Record<string, unknown>;
  /** Extra keys of the member's `postgresql` section (parameters, recovery_conf, create_replica_methods…). */
  postgresql: (member: { dataDir: string; home: string }) => Record<string, unknown>;
}

export interface PatroniMember {
  name: string;
  home: string;
  dataDir: string;
  /** Patroni's log; PostgreSQL's own log lines go there too (Patroni passes its stderr on). */
  logPath: string;
  configPath: string;
  pgPort: number;
  restPort: number;
  psql(sql: string, db?: string): Promise<string>;
  /** GET on the member's REST API, parsed JSON; undefined when it does not answer. */
  rest(path: string): Promise<Record<string, unknown> | undefined>;
  /** PID of the postmaster, from postmaster.pid; undefined when not running. */
  postmasterPid(): Promise<number | undefined>;
  /** SIGTERM to Patroni (it stops PostgreSQL), then SIGQUIT to a postmaster left behind. Idempotent. */
  stop(): Promise<void>;
}

export async function startPatroniMember(opts: PatroniMemberOptions): Promise<PatroniMember> {
  const user = await ensureUser(PG_USER);
  const home = `${opts.dir}/${opts.name}`;
  await ensureOwnedDir(home, user, 0o700);
  await ensureOwnedDir(`${home}/run`, user, 0o755);
  const dataDir = `${home}/data`;
  const [pgPort, restPort] = [await freePort(), await freePort()];
  const config = {
    scope: opts.scope,
    name: opts.name,
    restapi: { listen: `127.0.0.1:${restPort}`, connect_address: `127.0.0.1:${restPort}` },
    etcd3: { hosts: [opts.etcdEndpoint] },
    bootstrap: opts.bootstrap,
    postgresql: {
      listen: `127.0.0.1:${pgPort}`,
      connect_address: `127.0.0.1:${pgPort}`,
      data_dir: dataDir,
      bin_dir: PG_BIN,
      pgpass: `${home}/pgpass`,
      authentication: { superuser: { username: PG_USER }, replication: { username: PG_USER }, rewind: { username: PG_USER } },
      ...opts.postgresql({ dataDir, home }),
    },
    log: { level: 'INFO' },
  };
  const current = config.postgresql as Record<string, unknown>;
  current['parameters'] = { unix_socket_directories: `${home}/run`, ...(current['parameters'] as Record<string, string> | undefined) };
  const configPath = `${home}/patroni.yml`;
  // JSON is YAML: no YAML writer needed, and no quoting surprises in the commands.
  await writeOwnedFile(configPath, JSON.stringify(config, null, 2), user, 0o600);
  const logPath = `${home}/patroni.log`;
  await writeOwnedFile(logPath, '', user, 0o644);
  const daemon: Daemon = startDaemon(['/usr/bin/patroni', configPath], { logPath, user, env: loginEnv(user), cwd: home, lifetimeSignal: 'SIGTERM' });

  const rest = async (path: string): Promise<Record<string, unknown> | undefined> => {
    const r = await fetch(`http://127.0.0.1:${restPort}${path}`).catch(() => undefined);
    if (r === undefined) return undefined;
    return (await r.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  };
  await waitUntilReady(daemon, async () => (await rest('/patroni')) !== undefined, { name: `patroni ${opts.name}`, logPath, timeoutMs: 30_000 });

  const postmasterPid = async (): Promise<number | undefined> => {
    const text = await readFile(`${dataDir}/postmaster.pid`, 'utf8').catch(() => undefined);
    const pid = Number(text?.split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  };
  return {
    name: opts.name,
    home,
    dataDir,
    logPath,
    configPath,
    pgPort,
    restPort,
    rest,
    postmasterPid,
    psql: async (sql, db = 'postgres') => {
      const argv = [`${PG_BIN}/psql`, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(pgPort), '-d', db, '-c', sql];
      const r = await run(argv, { user: PG_USER });
      if (r.code !== 0) throw new Error(`psql on ${opts.name} failed: ${sql}\n${describeRun(r)}`);
      return r.stdout.toString('utf8').trim();
    },
    stop: async () => {
      await daemon.stop('SIGTERM', 30_000);
      const left = await postmasterPid();
      if (left !== undefined) {
        process.kill(left, 'SIGQUIT');
        for (let i = 0; i < 100 && (await postmasterPid()) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** The member's role as its REST API reports it: 'master'/'primary', 'replica', or undefined. */
export async function roleOf(member: PatroniMember): Promise<string | undefined> {
  const status = await member.rest('/patroni');
  return typeof status?.['role'] === 'string' ? status['role'] : undefined;
}

export const isLeaderRole = (role: string | undefined): boolean => role === 'master' || role === 'primary';

/** Is the member running PostgreSQL as a replica that streams from the leader? */
export async function isStreamingReplica(member: PatroniMember): Promise<boolean> {
  const status = await member.rest('/patroni');
  if (status?.['role'] !== 'replica' || status['state'] !== 'running') return false;
  return (await member.psql("select count(*) from pg_stat_wal_receiver where status = 'streaming'").catch(() => '0')) === '1';
}

export async function fileExists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
