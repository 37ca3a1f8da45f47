// walship-archive's command line, shared by the client (cli.ts) and the async agent it spawns
// (agent/main.ts): the agent is started with the client's own arguments minus WAL_PATH, so both
// parse them with this one program and can never disagree on what a flag means.

import { Option, type Command } from 'commander';
import { ARCHIVE } from '../cli/executables.js';
import type { CommandIO } from '../cli/io.js';
import { numberOption } from '../cli/number-option.js';
import { createProgram, parseProgram, usageError } from '../cli/program.js';
import type { TargetIdentity } from '../agent/target-key.js';
import type { TransportKind } from '../transport/select.js';
import type { ArchiveCompression } from '../codec/codecs.js';
import { resolveLevel } from '../codec/levels.js';
import { addObjectStoreOptions, type ObjectStoreFlags } from '../object-store/flags.js';
import { isObjectStoreUrl, OBJECT_STORE_SCHEME, parseStoreUrl, resolveEndpoint } from '../object-store/target.js';

export interface ArchiveOptions extends ObjectStoreFlags {
  user: string;
  port?: number;
  config?: string;
  test?: boolean;
  md5?: boolean;
  gzip?: boolean;
  bzip2?: boolean;
  xz?: boolean;
  zstd?: boolean;
  lz4?: boolean;
  snappy?: boolean;
  /** Resolved against the compression by parseArchiveArgs; undefined without a compression. */
  compressionLevel?: number;
  transport: TransportKind;
  reuseConnection?: number;
  /** Unset means the mode's default: 1 (sync: off), ASYNC_DEFAULTS.batch with --async. */
  batch?: number;
  batchDir?: string;
  async?: boolean;
  asyncWait: number;
  jobs: number;
  idleExit: number;
}

/** The async agent's defaults (README "--async"): 2 lanes of up to 16 segments, 60 s idle exit. */
export const ASYNC_DEFAULTS = { batch: 16, jobs: 2, idleExit: 60, asyncWait: 60 } as const;

export interface ParsedArchiveArgs {
  options: ArchiveOptions;
  host: string;
  server: string;
  walPath: string | undefined;
  checksum: 'sha256' | 'md5';
  compression: ArchiveCompression | undefined;
}

/** `walship-archive --check ...`: a monitoring mode with its own options (src/archive/check/cli.ts). */
export const CHECK_FLAG = '--check';
export const isCheckMode = (argv: readonly string[]): boolean => argv.includes(CHECK_FLAG);

/** barman-cli 3.14+'s compression flags, in its order; one at most. */
const COMPRESSION_FLAGS = [
  ['gzip', '-z/--gzip'],
  ['bzip2', '-j/--bzip2'],
  ['xz', '--xz'],
  ['snappy', '--snappy'],
  ['zstd', '--zstd'],
  ['lz4', '--lz4'],
] as const;

export function archiveProgram(io: Pick<CommandIO, 'stdout' | 'invokedAs'>): Command {
  return addObjectStoreOptions(createProgram(ARCHIVE, io))
    .option('-U, --user <USER>', 'ssh user on the archive host', 'barman')
    .option('--port <PORT>', 'ssh port', numberOption({ min: 1, max: 65535 }))
    .option('-c, --config <CONFIG>', 'Barman configuration file on the archive host')
    .option('-t, --test', "check the connection and the server's configuration, then exit")
    .option('--md5', 'send MD5SUMS instead of SHA256SUMS (for Barman older than 3.12)')
    .option('-z, --gzip', 'compress with gzip before sending')
    .option('-j, --bzip2', 'compress with bzip2 before sending (the bzip2 program)')
    .option('--xz', 'compress with xz before sending (the xz program; Barman 3.12+ reads it)')
    .option('--zstd', 'compress with zstd before sending (the zstd program; Barman 3.12+ reads it)')
    .option('--lz4', 'compress with lz4 before sending (the lz4 program; Barman 3.12+ reads it)')
    .option('--snappy', 'not supported: refused with a usage error (no snappy program exists to produce it)')
    .option('--compression-level <LEVEL>', "the compressor's level: a number in its range (gzip, bzip2 1-9; xz 0-9; zstd 1-19; lz4 1-12) or low, medium, high")
    .addOption(new Option('--transport <KIND>', "ssh (OpenSSH), or local: run put-wal in this process against -c CONFIG").choices(['ssh', 'local']).default('ssh'))
    .option('--reuse-connection <SECONDS>', 'keep an OpenSSH master connection open this long for later calls', numberOption({ min: 0, max: 86400 }))
    .option('--batch <N>', 'ship up to N segments per put-wal stream (sync default 1: off; --async default 16)', numberOption({ min: 1, max: 256 }))
    .option('--batch-dir <DIR>', 'where sync --batch records what the archive host already has (default: ~/.walship/batch, in the home from the password database)')
    .option('--async', 'ship ahead of PostgreSQL with a background agent per cluster (see README "--async")')
    .option('--async-wait <SECONDS>', 'with --async: how long a call waits for the agent before shipping itself', numberOption({ min: 0, max: 3600 }), ASYNC_DEFAULTS.asyncWait)
    .option('--jobs <N>', 'with --async: parallel put-wal streams (lanes)', numberOption({ min: 1, max: 16 }), ASYNC_DEFAULTS.jobs)
    .option('--idle-exit <SECONDS>', 'with --async: the agent exits after this long with nothing to ship', numberOption({ min: 1, max: 86400 }), ASYNC_DEFAULTS.idleExit)
    // Listed for --help only: cli.ts hands an argv holding --check to the check's own program first.
    .option(CHECK_FLAG, 'check archiving on this PostgreSQL host instead (pg_stat_archiver, .ready backlog, --async agent; Nagios statuses); see --check --help')
    .argument('<BARMAN_HOST>', 'the archive host, or s3://BUCKET/PREFIX (README "Object storage")')
    .argument('<SERVER_NAME>', 'the server name in Barman')
    .argument('[WAL_PATH]', 'the value of %p (not needed with --test)');
}

/** undefined when help or version was printed (exit 0); throws UsageError on a bad command line. */
export function parseArchiveArgs(
  argv: readonly string[],
  io: Pick<CommandIO, 'stdout' | 'invokedAs'>,
  { walPathRequired }: { walPathRequired: boolean },
): ParsedArchiveArgs | undefined {
  const program = archiveProgram(io);
  if (!parseProgram(program, argv)) return undefined;
  // --compression-level as typed (a number or low/medium/high), until the compression is known.
  const options = program.opts<Omit<ArchiveOptions, 'compressionLevel'> & { compressionLevel?: string }>();
  const [host, server, walPath] = program.processedArgs as [string, string, string | undefined];
  const compression = chosenCompression(program, options);
  if (walPathRequired && !options.test && walPath === undefined) throw usageError(program, 'missing WAL_PATH');
  const resolved = { ...options, compressionLevel: levelFor(program, compression, options.compressionLevel) };
  return { options: resolved, host, server, walPath, checksum: options.md5 ? 'md5' : 'sha256', compression };
}

/** The one compression flag given, if any; two are a usage error, and so is --snappy. */
function chosenCompression(program: Command, options: Partial<Record<(typeof COMPRESSION_FLAGS)[number][0], boolean>>): ArchiveCompression | undefined {
  const given = COMPRESSION_FLAGS.filter(([key]) => options[key] === true);
  const [first, second] = given;
  if (second !== undefined) throw usageError(program, `${first?.[1]} and ${second[1]} cannot be combined`);
  if (first?.[0] === 'snappy') throw usageError(program, '--snappy is not supported by walship: no snappy program exists to compress with; use --zstd or --lz4 (as fast, and read by Barman 3.12+)');
  return first?.[0];
}

/** The numeric level; without a compression barman-wal-archive ignores it, and so do we. */
function levelFor(program: Command, compression: ArchiveCompression | undefined, text: string | undefined): number | undefined {
  if (text === undefined || compression === undefined) return undefined;
  const level = resolveLevel(compression, text);
  if (typeof level === 'string') throw usageError(program, level);
  return level;
}

/**
 * What shipped/ records are keyed by: the destination, however its flags were spelled. An s3://
 * target is named by its bucket and prefix as parsed (a trailing slash names the same archive) and
 * by the endpoint its store answers at, resolved in `env` as the transport resolves it.
 */
export const targetIdentityOf = (args: ParsedArchiveArgs, env: NodeJS.ProcessEnv): TargetIdentity => ({
  user: args.options.user,
  barmanHost: args.host,
  port: args.options.port,
  config: args.options.config,
  serverName: args.server,
  checksum: args.checksum,
  compression: args.compression,
  ...(isObjectStoreUrl(args.host) ? objectStoreTarget(args, env) : {}),
});

function objectStoreTarget(args: ParsedArchiveArgs, env: NodeJS.ProcessEnv): Pick<TargetIdentity, 'barmanHost' | 'endpoint'> {
  const { bucket, prefix } = parseStoreUrl(args.host);
  return { barmanHost: `${OBJECT_STORE_SCHEME}${bucket}/${prefix}`, endpoint: resolveEndpoint(args.options.endpointUrl, env).url.href };
}
