// walship-restore's command line (SPEC §1), a superset of barman-wal-restore 3.4's:
// `[-U USER] [--port PORT] [-s SECONDS] [-p JOBS] [--spool-dir DIR] [-P] [-z|-j|--keep-compression]
//  [-c CONFIG] [-t] [--transport ssh|local] [--reuse-connection SECONDS] BARMAN_HOST SERVER_NAME WAL_NAME WAL_DEST`.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';

export type TransferFormat = 'plain' | 'gzip' | 'bzip2' | 'keep';

export interface RestoreOptions {
  user: string;
  port: number | undefined;
  sleepSeconds: number;
  /** 0 disables prefetching (barman-wal-restore's default). */
  jobs: number;
  spoolDir: string;
  partial: boolean;
  format: TransferFormat;
  config: string | undefined;
  test: boolean;
  transport: 'ssh' | 'local';
  /** Keep an OpenSSH master connection for this many seconds, so later calls skip the handshake. */
  reuseConnection: number | undefined;
  barmanHost: string;
  serverName: string;
  walName: string;
  walDest: string;
}

export const DEFAULT_SPOOL_DIR = '/var/tmp/walrestore';
const SYNOPSIS = '[-U USER] [--port PORT] [-s SECONDS] [-p JOBS] [--spool-dir DIR] [-P] [-z|-j|--keep-compression] [-c CONFIG] [-t] [--transport ssh|local] [--reuse-connection SECONDS] BARMAN_HOST SERVER_NAME WAL_NAME WAL_DEST';

const integerIn = (min: number, max: number) => (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidArgumentError(`'${value}' is not an integer from ${min} to ${max}`);
  }
  return Number(value);
};

/** Returns the options, or 'help' after printing usage to stderr. Throws UsageError. */
export function parseRestoreArgs(argv: readonly string[], stderr: Writable): RestoreOptions | 'help' {
  // -z, -j and --keep-compression are store_const flags in barman-wal-restore: the last one wins.
  let format: TransferFormat = 'plain';
  const program = new Command('walship-restore')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stderr.write(text), writeErr: (text) => stderr.write(text), outputError: () => undefined })
    .usage(SYNOPSIS)
    .argument('<BARMAN_HOST>')
    .argument('<SERVER_NAME>')
    .argument('<WAL_NAME>', "PostgreSQL's %f")
    .argument('<WAL_DEST>', "PostgreSQL's %p")
    .option('-U, --user <USER>', 'ssh user on the Barman host', 'barman')
    .option('--port <PORT>', 'ssh port', integerIn(1, 65535))
    .option('-s, --sleep <SECONDS>', 'sleep this long after a failed fetch', integerIn(0, 86400), 0)
    .option('-p, --parallel <JOBS>', 'prefetch this many following segments into the spool', integerIn(0, 64), 0)
    .option('--spool-dir <DIR>', 'where prefetched segments wait', DEFAULT_SPOOL_DIR)
    .option('-P, --partial', 'also retrieve .partial files')
    .option('-z, --gzip', 'transfer gzip-compressed')
    .option('-j, --bzip2', 'transfer bzip2-compressed')
    .option('--keep-compression', 'transfer the archived bytes as stored')
    .option('-c, --config <CONFIG>', 'Barman configuration file on the Barman host')
    .option('-t, --test', 'test the connection and the server configuration, then exit')
    .option('--reuse-connection <SECONDS>', 'keep an OpenSSH master connection open this long for later calls', integerIn(0, 86400))
    .addOption(new Option('--transport <KIND>', 'ssh, or local: run get-wal in this process against -c CONFIG').choices(['ssh', 'local']).default('ssh'));
  program.on('option:gzip', () => (format = 'gzip'));
  program.on('option:bzip2', () => (format = 'bzip2'));
  program.on('option:keep-compression', () => (format = 'keep'));
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 'help';
    if (error instanceof CommanderError) throw new UsageError(error.message.replace(/^error: /, ''), { hint: `usage: walship-restore ${SYNOPSIS}` });
    throw error;
  }
  const o = program.opts<{ user: string; port?: number; sleep: number; parallel: number; spoolDir: string; partial?: boolean; config?: string; test?: boolean; transport: 'ssh' | 'local'; reuseConnection?: number }>();
  const [barmanHost, serverName, walName, walDest] = program.args as [string, string, string, string];
  return {
    user: o.user,
    port: o.port,
    sleepSeconds: o.sleep,
    jobs: o.parallel,
    spoolDir: o.spoolDir,
    partial: o.partial === true,
    format,
    config: o.config,
    test: o.test === true,
    transport: o.transport,
    reuseConnection: o.reuseConnection,
    barmanHost,
    serverName,
    walName,
    walDest,
  };
}
