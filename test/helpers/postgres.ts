// A real PostgreSQL 15 cluster owned by an unprivileged test user, reachable only on a private socket.
import { appendFile, chmod, chown, mkdir, rm } from 'node:fs/promises';
import { startDaemon, waitUntilReady } from './daemon.js';
import type { Daemon } from './daemon.js';
import { makeTempDir, writeOwnedFile } from './files.js';
import { PG_BIN } from './requirements.js';
import { describeRun, run } from './run.js';
import type { RunResult } from './run.js';
import { freePort } from './free-port.js';
import { ensureUser, loginEnv, PG_USER } from './users.js';
import type { SystemUser } from './users.js';

export interface StartPostgresOptions {
  /** Owner of the cluster and of every process it starts (archive_command too). Default PG_USER. */
  user?: string;
  /** Extra postgresql.conf settings, e.g. { archive_mode: 'on', archive_command: '…' }; values are quoted for you. */
  settings?: Record<string, string>;
  /** Start this existing data dir (e.g. a restored base backup, owned by user) instead of a new initdb. */
  dataDir?: string;
  /** How long to wait for connections to be accepted (recovery may take a while). Default 60 s. */
  readyTimeoutMs?: number;
  /** initdb --wal-segsize (MiB, a power of two from 1 to 1024); default PostgreSQL's 16. New clusters only. */
  walSegsizeMb?: number;
  /** pg_resetwal -l on the fresh cluster: WAL starts at this segment (e.g. near a log boundary). New clusters only. */
  firstWalFile?: string;
}

export interface Pg {
  dataDir: string;
  port: number;
  /** unix_socket_directories: pass as `-h` (or PGHOST) together with the port. */
  socketDir: string;
  user: string;
  /** PGHOST/PGPORT/PGUSER/PGDATABASE for a libpq client (psql, pgbench, pg_receivewal) run as user. */
  env: Record<string, string>;
  logPath: string;
  /** Runs sql with `psql -X -At -v ON_ERROR_STOP=1` as user; resolves to trimmed stdout, throws with stderr. */
  psql(sql: string, db?: string): Promise<string>;
  /** Runs pgbench as user against this cluster (database from PGDATABASE unless args name one). */
  pgbench(args: string[]): Promise<RunResult>;
  /** Stops the server: 'fast' (default) lets the archiver finish its cycle; 'immediate' is a crash. Idempotent. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server, then deletes its temp dir (and the data dir, when startPostgres created it). */
  remove(): Promise<void>;
}

/**
 * initdb (as the user, never root) in a fresh temp dir, or reuse opts.dataDir, then runs
 * `postgres` directly under `timeout` (see daemon.ts) instead of `pg_ctl start`: the server is our
 * child, stops by itself after SERVER_LIFETIME_SECONDS if the test dies, and stop() is a signal
 * to a PID we own (SIGINT = fast shutdown, SIGQUIT = immediate), as pg_ctl stop would send.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<Pg> {
  const user = await ensureUser(opts.user ?? PG_USER);
  const dir = await makeTempDir('walship-pg-');
  try {
    const dataDir = opts.dataDir ?? (await initCluster(user, `${dir}/data`, opts));
    if (opts.settings !== undefined) await appendFile(`${dataDir}/postgresql.conf`, formatSettings(opts.settings));
    const server = await launch(user, dir, dataDir, opts.readyTimeoutMs ?? 60_000);
    return connect(user, dir, dataDir, server);
  } catch (err) {
    await rm(dir, { recursive: true, force: true }); // the error already carries the log's tail
    throw err;
  }
}

interface Server {
  daemon: Daemon;
  port: number;
  socketDir: string;
  logPath: string;
  env: Record<string, string>;
}

/** Runs postgres on dataDir with a private socket dir, and waits until it accepts connections. */
async function launch(user: SystemUser, dir: string, dataDir: string, readyTimeoutMs: number): Promise<Server> {
  const socketDir = `${dir}/run`;
  await mkdir(socketDir, { mode: 0o755 });
  await chown(socketDir, user.uid, user.gid); // postgres creates its socket and lock file there
  const logPath = `${dir}/postgres.log`;
  await writeOwnedFile(logPath, '', user, 0o644);
  // No TCP at all (listen_addresses empty): the port only names the socket, so it cannot clash.
  const port = await freePort();
  const env = { PGHOST: socketDir, PGPORT: String(port), PGUSER: user.name, PGDATABASE: 'postgres' };
  // Given per start, not in postgresql.conf, so that a base backup of this cluster does not inherit them.
  const argv = [`${PG_BIN}/postgres`, '-D', dataDir, '-p', String(port), '-c', 'listen_addresses='];
  argv.push('-c', `unix_socket_directories=${socketDir}`);
  const daemonEnv = { ...loginEnv(user), ...env };
  const daemon = startDaemon(argv, { logPath, user, env: daemonEnv, cwd: dataDir, lifetimeSignal: 'SIGINT' });
  const accepting = async (): Promise<boolean> =>
    (await run([`${PG_BIN}/psql`, '-X', '-c', 'select 1'], { user: user.name, env })).code === 0;
  await waitUntilReady(daemon, accepting, { name: 'postgres', logPath, timeoutMs: readyTimeoutMs });
  return { daemon, port, socketDir, logPath, env };
}

function connect(user: SystemUser, dir: string, dataDir: string, server: Server): Pg {
  const { daemon, env } = server;
  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> =>
    daemon.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT', 60_000);
  const psql = async (sql: string, db = 'postgres'): Promise<string> => {
    const argv = [`${PG_BIN}/psql`, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql];
    const r = await run(argv, { user: user.name, env });
    if (r.code !== 0) throw new Error(`psql failed: ${sql}\n${describeRun(r)}`);
    return r.stdout.toString('utf8').trim();
  };
  return {
    dataDir,
    port: server.port,
    socketDir: server.socketDir,
    user: user.name,
    env,
    logPath: server.logPath,
    psql,
    pgbench: async (args) => run([`${PG_BIN}/pgbench`, ...args], { user: user.name, env, timeoutMs: 600_000 }),
    stop,
    remove: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface BaseBackupOptions {
  /** 'none' (default): no WAL in the backup, so recovery must fetch it through restore_command. */
  wal?: 'none' | 'stream';
}

/** pg_basebackup of pg into targetDir (created, owned by pg.user, mode 700), ready for startPostgres({ dataDir }). */
export async function baseBackup(pg: Pg, targetDir: string, opts: BaseBackupOptions = {}): Promise<void> {
  const user = await ensureUser(pg.user);
  await mkdir(targetDir, { recursive: true, mode: 0o700 });
  await chown(targetDir, user.uid, user.gid);
  await chmod(targetDir, 0o700);
  const argv = [`${PG_BIN}/pg_basebackup`, '-D', targetDir, '-X', opts.wal ?? 'none', '-c', 'fast', '--no-sync'];
  const r = await run(argv, { user: pg.user, env: pg.env, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`pg_basebackup failed\n${describeRun(r)}`);
}

async function initCluster(user: SystemUser, dataDir: string, opts: Pick<StartPostgresOptions, 'walSegsizeMb' | 'firstWalFile'> = {}): Promise<string> {
  await mkdir(dataDir, { mode: 0o700 });
  await chown(dataDir, user.uid, user.gid);
  // trust on the private socket only (listen_addresses is empty); --no-sync: test data, not durable data.
  const argv = [`${PG_BIN}/initdb`, '-D', dataDir, '-A', 'trust', '-U', user.name, '--no-sync'];
  argv.push('-E', 'UTF8', '--locale', 'C');
  if (opts.walSegsizeMb !== undefined) argv.push(`--wal-segsize=${opts.walSegsizeMb}`);
  const r = await run(argv, { user: user.name, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`initdb failed\n${describeRun(r)}`);
  if (opts.firstWalFile !== undefined) {
    // A cleanly shut down, never started cluster: pg_resetwal only moves where WAL continues.
    const reset = await run([`${PG_BIN}/pg_resetwal`, '-l', opts.firstWalFile, dataDir], { user: user.name });
    if (reset.code !== 0) throw new Error(`pg_resetwal failed\n${describeRun(reset)}`);
  }
  return dataDir;
}

/** `key = 'value'` lines: any parameter may be quoted; inside quotes PostgreSQL reads \\ and '' as escapes. */
function formatSettings(settings: Record<string, string>): string {
  const lines = Object.entries(settings).map(([key, value]) => {
    if (!/^[a-z_][a-z0-9_.]*$/i.test(key)) throw new Error(`startPostgres: odd setting name ${key}`);
    return `${key} = '${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  });
  return `\n# walship test settings\n${lines.join('\n')}\n`;
}
