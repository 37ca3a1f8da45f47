// A Barman configuration in a temp dir, for Debian's real barman or for walship-server (same format).
import { writeFile } from 'node:fs/promises';
import { ensureOwnedDir, writeOwnedFile } from './files.js';
import { ensureUser } from './users.js';

export interface BarmanServer {
  /** Section name = server name (letters, digits, '-', '_', '.'). */
  name: string;
  /** More `key = value` lines (e.g. { active: 'off' }), over the defaults; written raw, so `%(x)s` interpolates. */
  extra?: Record<string, string>;
}

export interface BarmanConfigOptions {
  /** Existing directory (e.g. from makeTempDir) that receives barman.conf, the log and barman_home. */
  dir: string;
  servers: BarmanServer[];
  /** Account that runs `barman`: 'barman' for Debian's barman, ARCHIVE_USER for walship-server. */
  owner: string;
}

export interface BarmanConfig {
  /** Pass as `-c` to barman, barman-wal-archive, barman-wal-restore and walship's clients. */
  configPath: string;
  /** barman_home: `<barmanHome>/<server>/{incoming,wals,errors,streaming}`. */
  barmanHome: string;
}

/**
 * Writes `<dir>/barman.conf` and creates `<dir>/home/<server>/{incoming,wals,errors,streaming}`
 * owned by owner. The server section is the minimum Debian's barman 3.4 needs for put-wal and
 * get-wal (checked by hand and in test/integration/harness.test.ts):
 * - `archiver = on`: without it barman warns and forces it on;
 * - `backup_method = postgres`: the default (rsync) demands an ssh_command, which put-wal never uses;
 * - `conninfo`: mandatory, but put-wal/get-wal never connect, so a dummy is fine.
 * No `configuration_files_directory`, so /etc/barman.d is not read.
 */
export async function writeBarmanConfig(opts: BarmanConfigOptions): Promise<BarmanConfig> {
  const owner = await ensureUser(opts.owner);
  const barmanHome = `${opts.dir}/home`;
  const configPath = `${opts.dir}/barman.conf`;
  const logPath = `${opts.dir}/barman.log`;
  await ensureOwnedDir(barmanHome, owner, 0o755);
  for (const server of opts.servers) {
    if (!/^[A-Za-z0-9_.-]+$/.test(server.name)) throw new Error(`writeBarmanConfig: bad server name ${server.name}`);
    await ensureOwnedDir(`${barmanHome}/${server.name}`, owner, 0o755);
    for (const sub of ['incoming', 'wals', 'errors', 'streaming']) {
      await ensureOwnedDir(`${barmanHome}/${server.name}/${sub}`, owner, 0o755);
    }
  }
  // barman opens its log for appending as owner before doing anything else.
  await writeOwnedFile(logPath, '', owner, 0o644);

  const sections = [
    section('barman', { barman_home: barmanHome, barman_user: owner.name, log_file: logPath, log_level: 'INFO' }),
    ...opts.servers.map((server) =>
      section(server.name, {
        description: `walship test server ${server.name}`,
        conninfo: 'host=127.0.0.1 dbname=postgres',
        backup_method: 'postgres',
        archiver: 'on',
        ...server.extra,
      }),
    ),
  ];
  await writeFile(configPath, sections.join('\n'), { mode: 0o644 });
  return { configPath, barmanHome };
}

function section(name: string, entries: Record<string, string>): string {
  const lines = Object.entries(entries).map(([key, value]) => {
    if (/[\n\r]/.test(key + value)) throw new Error(`writeBarmanConfig: newline in ${key}`);
    return `${key} = ${value}`;
  });
  return `[${name}]\n${lines.join('\n')}\n`;
}
