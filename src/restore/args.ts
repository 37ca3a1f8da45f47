// walship-restore's command line (SPEC §1), a superset of barman-wal-restore 3.4's:
// `[-U USER] [--port PORT] [-s SECONDS] [-p JOBS] [--spool-dir DIR] [-P] [-z|-j|--keep-compression]
//  [-c CONFIG] [-t] [--transport ssh|local] [--reuse-connection SECONDS] [--async [--queue-max SIZE] [--idle-exit SECONDS]] BARMAN_HOST SERVER_NAME WAL_NAME WAL_DEST`.

import { InvalidArgumentError, Option } from 'commander';
import { RESTORE } from '../cli/executables.js';
import type { CommandIO } from '../cli/io.js';
import { numberOption } from '../cli/number-option.js';
import { createProgram, parseProgram } from '../cli/program.js';
import { addObjectStoreOptions, type ObjectStoreFlags } from '../object-store/flags.js';

export type TransferFormat = 'plain' | 'gzip' | 'bzip2' | 'keep';

export interface RestoreOptions extends ObjectStoreFlags {
  user: string;
  port: number | undefined;
  sleepSeconds: number;
  /** 0 disables prefetching (barman-wal-restore's default). */
  jobs: number;
  /** --spool-dir; undefined means ~/.walship/spool, resolved only when the spool is used. */
  spoolDir: string | undefined;
  partial: boolean;
  format: TransferFormat;
  config: string | undefined;
  test: boolean;
  transport: 'ssh' | 'local';
  /** Keep an OpenSSH master connection for this many seconds, so later calls skip the handshake. */
  reuseConnection: number | undefined;
  // Optional in the type (always set by the parser) so option literals of the sync modes stay valid.
  /** --async: a per-cluster agent keeps the following segments ready under pg_wal/.walship/restore. */
  async?: boolean;
  /** --queue-max: bytes the agent may hold in ready/ + inflight/ (at least JOBS+1 segments). */
  queueMax?: number;
  /** --idle-exit: the agent stops after this many seconds without a request. */
  idleExitSeconds?: number;
  barmanHost: string;
  serverName: string;
  walName: string;
  walDest: string;
}

/** pgBackRest's archive-get-queue-max is 128 MiB; 256 MiB keeps 16 default segments ahead. */
export const DEFAULT_QUEUE_MAX = 256 * 1024 * 1024;
export const DEFAULT_IDLE_EXIT_SECONDS = 60;

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** `--queue-max 64M`: bytes, with an optional K, M or G (powers of 1024). */
export function parseSize(text: string): number {
  const match = /^(\d{1,12})([KMG]?)(?:i?B)?$/i.exec(text);
  const value = match === null ? NaN : Number(match[1]) * (SIZE_UNITS[(match[2] as string).toUpperCase()] as number);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('expected a size such as 268435456, 256M or 1G');
  return value;
}
const SYNOPSIS = '[-U USER] [--port PORT] [-s SECONDS] [-p JOBS] [--spool-dir DIR] [-P] [-z|-j|--keep-compression] [-c CONFIG] [-t] [--transport ssh|local] [--reuse-connection SECONDS] [--async [--queue-max SIZE] [--idle-exit SECONDS]] [--endpoint-url URL] [--ca-file FILE] BARMAN_HOST SERVER_NAME WAL_NAME WAL_DEST';

/** Returns the options, or undefined when help or version was printed. Throws UsageError. */
export function parseRestoreArgs(argv: readonly string[], io: Pick<CommandIO, 'stdout' | 'invokedAs'>): RestoreOptions | undefined {
  // -z, -j and --keep-compression are store_const flags in barman-wal-restore: the last one wins.
  let format: TransferFormat = 'plain';
  const program = addObjectStoreOptions(createProgram(RESTORE, io))
    .usage(SYNOPSIS)
    .argument('<BARMAN_HOST>', 'the Barman host, or s3://BUCKET/PREFIX (README "Object storage")')
    .argument('<SERVER_NAME>')
    .argument('<WAL_NAME>', "PostgreSQL's %f")
    .argument('<WAL_DEST>', "PostgreSQL's %p")
    .option('-U, --user <USER>', 'ssh user on the Barman host', 'barman')
    .option('--port <PORT>', 'ssh port', numberOption({ min: 1, max: 65535 }))
    .option('-s, --sleep <SECONDS>', 'sleep this long after a failed fetch', numberOption({ min: 0, max: 86400 }), 0)
    .option('-p, --parallel <JOBS>', 'prefetch this many following segments into the spool', numberOption({ min: 0, max: 64 }), 0)
    .option('--spool-dir <DIR>', 'where prefetched segments wait (default: ~/.walship/spool, in the home from the password database)')
    .option('-P, --partial', 'also retrieve .partial files')
    .option('-z, --gzip', 'transfer gzip-compressed')
    .option('-j, --bzip2', 'transfer bzip2-compressed')
    .option('--keep-compression', 'transfer the archived bytes as stored')
    .option('-c, --config <CONFIG>', 'Barman configuration file on the Barman host')
    .option('-t, --test', 'test the connection and the server configuration, then exit')
    .option('--reuse-connection <SECONDS>', 'keep an OpenSSH master connection open this long for later calls', numberOption({ min: 0, max: 86400 }))
    .option('--async', 'keep the following segments ready in pg_wal/.walship/restore with a background agent')
    .option('--queue-max <SIZE>', 'with --async: bytes of segments kept ready or in flight (K, M, G allowed)', parseSize, DEFAULT_QUEUE_MAX)
    .option('--idle-exit <SECONDS>', 'with --async: the agent stops after this long without a request', numberOption({ min: 1, max: 86400 }), DEFAULT_IDLE_EXIT_SECONDS)
    .addOption(new Option('--transport <KIND>', 'ssh, or local: run get-wal in this process against -c CONFIG').choices(['ssh', 'local']).default('ssh'));
  program.on('option:gzip', () => (format = 'gzip'));
  program.on('option:bzip2', () => (format = 'bzip2'));
  program.on('option:keep-compression', () => (format = 'keep'));
  if (!parseProgram(program, argv)) return undefined;
  const o = program.opts<{ user: string; port?: number; sleep: number; parallel: number; spoolDir?: string; partial?: boolean; config?: string; test?: boolean; transport: 'ssh' | 'local'; reuseConnection?: number; async?: boolean; queueMax: number; idleExit: number; endpointUrl?: string; caFile?: string }>();
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
    async: o.async === true,
    queueMax: o.queueMax,
    idleExitSeconds: o.idleExit,
    endpointUrl: o.endpointUrl,
    caFile: o.caFile,
    barmanHost,
    serverName,
    walName,
    walDest,
  };
}
