// repmgr (Debian's postgresql-15-repmgr) nodes on this machine: PostgreSQL on 127.0.0.1, started and
// stopped by repmgr itself through service commands that keep the server under `timeout`.
import { access, appendFile, readFile } from 'node:fs/promises';
import { ensureOwnedDir, writeOwnedFile } from './files.js';
import { freePort } from './free-port.js';
import { waitFor } from './poll.js';
import { PG_BIN } from './requirements.js';
import { describeRun, repoRoot, run } from './run.js';
import type { RunResult } from './run.js';
import type { Sshd } from './sshd.js';
import { ensureClientKey } from './ssh-client.js';
import { ensureUser, PG_USER } from './users.js';

const PG_SERVICE = `${repoRoot}/test/fixtures/orchestrators/pg-service`;

export interface RepmgrNodeOptions {
  id: number;
  /** Parent directory (owned by PG_USER) for the node's data dir, log, spool and repmgr.conf. */
  dir: string;
  /** The test sshd, which must accept PG_USER logins: repmgr reaches the other node over ssh. */
  sshd: Sshd;
  /** archive_command (postgresql.conf of the primary; a clone inherits it). */
  archiveCommand: string;
  /** restore_command for repmgr.conf: repmgr writes it into every standby it clones or rejoins. */
  restoreCommand: (node: { spoolDir: string; auditLog: string }) => string;
}

export interface RepmgrNode {
  name: string;
  id: number;
  port: number;
  dataDir: string;
  logPath: string;
  confPath: string;
  spoolDir: string;
  /** restore-audit log of this node's restore_command calls. */
  auditLog: string;
  conninfo: string;
  psql(sql: string): Promise<string>;
  /** Runs `repmgr -f <conf> ...args` as PG_USER; never rejects on a non-zero exit. */
  repmgr(args: string[], timeoutMs?: number): Promise<RunResult>;
  start(): Promise<void>;
  /** Fast shutdown by the PID in postmaster.pid (idempotent). */
  stop(): Promise<void>;
}

/** Lays out a node's directories and repmgr.conf; does not create a cluster. */
export async function prepareNode(opts: RepmgrNodeOptions): Promise<RepmgrNode> {
  const user = await ensureUser(PG_USER);
  const name = `node${opts.id}`;
  const home = `${opts.dir}/${name}`;
  await ensureOwnedDir(home, user, 0o700);
  await ensureOwnedDir(`${home}/run`, user, 0o755);
  await ensureOwnedDir(`${home}/spool`, user, 0o700);
  const port = await freePort();
  const node = {
    name,
    id: opts.id,
    port,
    dataDir: `${home}/data`,
    logPath: `${home}/postgres.log`,
    confPath: `${home}/repmgr.conf`,
    spoolDir: `${home}/spool`,
    auditLog: `${home}/restore-calls.log`,
    conninfo: `host=127.0.0.1 port=${port} user=${PG_USER} dbname=postgres connect_timeout=2`,
  };
  await writeOwnedFile(node.logPath, '', user, 0o644);
  await writeOwnedFile(node.auditLog, '', user, 0o644);
  const { keyPath } = await ensureClientKey(user);
  const ssh = [`-q -p ${opts.sshd.port} -o BatchMode=yes -o ConnectTimeout=5 -o IdentitiesOnly=yes -i ${keyPath}`,
    `-o UserKnownHostsFile=${opts.sshd.knownHostsPath} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes`].join(' ');
  const conf = {
    node_id: String(opts.id),
    node_name: `'${name}'`,
    conninfo: `'${node.conninfo}'`,
    data_directory: `'${node.dataDir}'`,
    pg_bindir: `'${PG_BIN}'`,
    repmgr_bindir: `'${PG_BIN}'`,
    replication_user: `'${PG_USER}'`,
    use_replication_slots: 'no',
    restore_command: `'${opts.restoreCommand(node)}'`,
    service_start_command: `'${PG_SERVICE} start ${node.dataDir} ${node.logPath} ${port}'`,
    service_stop_command: `'${PG_SERVICE} stop ${node.dataDir}'`,
    ssh_options: `'${ssh}'`,
    shutdown_check_timeout: '30',
    standby_reconnect_timeout: '30',
    node_rejoin_timeout: '30',
    log_level: 'INFO',
  };
  await writeOwnedFile(node.confPath, Object.entries(conf).map(([k, v]) => `${k}=${v}\n`).join(''), user, 0o600);

  const psql = async (sql: string): Promise<string> => {
    const argv = [`${PG_BIN}/psql`, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', node.conninfo, '-c', sql];
    const r = await run(argv, { user: PG_USER });
    if (r.code !== 0) throw new Error(`psql on ${name} failed: ${sql}\n${describeRun(r)}`);
    return r.stdout.toString('utf8').trim();
  };
  const service = async (argv: string[]): Promise<void> => {
    const r = await run([PG_SERVICE, ...argv], { user: PG_USER, timeoutMs: 90_000 });
    if (r.code !== 0) throw new Error(`pg-service ${argv[0]} ${name} failed\n${describeRun(r)}\n${await readFile(node.logPath, 'utf8')}`);
  };
  return {
    ...node,
    psql,
    repmgr: async (args, timeoutMs = 120_000) => run([`${PG_BIN}/repmgr`, '-f', node.confPath, ...args], { user: PG_USER, timeoutMs }),
    start: () => service(['start', node.dataDir, node.logPath, String(port)]),
    stop: async () => {
      if (await access(`${node.dataDir}/postmaster.pid`).then(() => true, () => false)) await service(['stop', node.dataDir]);
    },
  };
}

/** Settings a node keeps for itself (appended after a clone, whose postgresql.conf is the primary's). */
async function appendNodeSettings(node: RepmgrNode, settings: Record<string, string>): Promise<void> {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = '${v.replaceAll("'", "''")}'`);
  await appendFile(node.dataDir + '/postgresql.conf', `\n# walship test node ${node.name}\n${lines.join('\n')}\n`);
}

const ownSettings = (node: RepmgrNode): Record<string, string> => ({
  listen_addresses: '127.0.0.1',
  port: String(node.port),
  unix_socket_directories: node.dataDir.replace(/\/data$/, '/run'),
});

/** initdb, the settings repmgr and archiving need, start, `repmgr primary register`. */
export async function createPrimary(node: RepmgrNode, archiveCommand: string): Promise<void> {
  const user = await ensureUser(PG_USER);
  await ensureOwnedDir(node.dataDir, user, 0o700);
  const initdb = [`${PG_BIN}/initdb`, '-D', node.dataDir, '-A', 'trust', '-U', PG_USER, '--no-sync', '-E', 'UTF8', '--locale', 'C'];
  const r = await run(initdb, { user: PG_USER, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`initdb failed\n${describeRun(r)}`);
  await appendNodeSettings(node, {
    ...ownSettings(node),
    shared_preload_libraries: 'repmgr',
    wal_log_hints: 'on',
    archive_mode: 'on',
    archive_command: archiveCommand,
    fsync: 'off', // test data: the archive's durability is walship's, and it fsyncs regardless
  });
  await node.start();
  await must(node.repmgr(['primary', 'register']), 'repmgr primary register');
}

/** `repmgr standby clone` from the primary, the node's own port, start, `repmgr standby register`. */
export async function cloneStandby(node: RepmgrNode, primary: RepmgrNode): Promise<void> {
  await must(
    node.repmgr(['-h', '127.0.0.1', '-p', String(primary.port), '-U', PG_USER, '-d', 'postgres', 'standby', 'clone', '--fast-checkpoint'], 300_000),
    'repmgr standby clone',
  );
  await appendNodeSettings(node, ownSettings(node));
  await node.start();
  // repmgr refuses to register a standby that is not yet in the primary's pg_stat_replication.
  const streaming = async (): Promise<boolean> => (await node.psql("select count(*) from pg_stat_wal_receiver where status = 'streaming'")) === '1';
  await waitFor(`${node.name} streaming from ${primary.name}`, streaming, 60_000);
  await must(node.repmgr(['standby', 'register']), 'repmgr standby register');
}

export async function must(pending: Promise<RunResult>, what: string): Promise<RunResult> {
  const r = await pending;
  if (r.code !== 0) throw new Error(`${what} failed\n${describeRun(r)}`);
  return r;
}

/** The repmgr.conf lines and postgresql.auto.conf recovery lines of a node, for the README and failures. */
export async function describeNode(node: RepmgrNode): Promise<string> {
  const auto = await readFile(`${node.dataDir}/postgresql.auto.conf`, 'utf8').catch(() => '(none)');
  return `--- ${node.confPath} ---\n${await readFile(node.confPath, 'utf8')}--- postgresql.auto.conf ---\n${auto}`;
}
