// walship-archive (alias barman-wal-archive): argv, transport choice, stderr and the exit status.

import type { CommandIO } from '../cli/io.js';
import { integerOption, newProgram, parseCommandLine } from '../cli/command-line.js';
import { formatError } from '../cli/run-main.js';
import { CompressionError, InvalidServerNameError, InvalidWalNameError, LocalFileError, RemoteCommandError, SshConnectError, UsageError } from '../errors.js';
import { loadServerMain } from '../server/in-process.js';
import { createTransport, parseTransportKind, type TransportKind } from '../transport/select.js';
import { TarFormatError } from '../wire/errors.js';
import { archiveWal, testArchive } from './archive.js';
import { archiveWithBacklog } from './batch.js';

/** Exit statuses (SPEC §1): 0 archived; 2 local error; 3 ssh failed; else the remote's status. */
export const EXIT_LOCAL = 2;
export const EXIT_SSH = 3;

export function archiveExitStatus(error: unknown): number {
  if (error instanceof SshConnectError) return EXIT_SSH;
  if (error instanceof RemoteCommandError) return error.status;
  if (error instanceof UsageError || error instanceof LocalFileError || error instanceof InvalidWalNameError) return EXIT_LOCAL;
  if (error instanceof InvalidServerNameError || error instanceof CompressionError || error instanceof TarFormatError) return EXIT_LOCAL;
  // Anything unexpected also happened on this side of the wire.
  return EXIT_LOCAL;
}

interface ArchiveOptions {
  user: string;
  port?: number;
  config?: string;
  test?: boolean;
  md5?: boolean;
  gzip?: boolean;
  bzip2?: boolean;
  compressionLevel?: number;
  transport: TransportKind;
  reuseConnection?: number;
  batch: number;
  batchDir: string;
}

export async function archiveMain(argv: string[], io: CommandIO): Promise<number> {
  const program = newProgram('walship-archive', "archive_command: ship one WAL file to Barman's put-wal over ssh", io)
    .option('-U, --user <USER>', 'ssh user on the archive host', 'barman')
    .option('--port <PORT>', 'ssh port', integerOption('--port', 1, 65535))
    .option('-c, --config <CONFIG>', 'Barman configuration file on the archive host')
    .option('-t, --test', "check the connection and the server's configuration, then exit")
    .option('--md5', 'send MD5SUMS instead of SHA256SUMS (for Barman older than 3.12)')
    .option('-z, --gzip', 'compress with gzip before sending')
    .option('-j, --bzip2', 'compress with bzip2 before sending')
    .option('--compression-level <N>', 'compression level 1-9', integerOption('--compression-level', 1, 9))
    .option('--transport <KIND>', "'ssh' (OpenSSH, default) or 'local' (in-process put-wal against -c CONFIG)", parseTransportKind, 'ssh')
    .option('--reuse-connection <SECONDS>', 'keep an OpenSSH master connection open this long for later calls', integerOption('--reuse-connection', 0, 86400))
    .option('--batch <N>', 'ship up to N segments per call: WAL_PATH plus the next ones PostgreSQL has ready (1: off)', integerOption('--batch', 1, 256), 1)
    .option('--batch-dir <DIR>', 'where --batch records what the archive host already has', '/var/tmp/walship-archive')
    .argument('<BARMAN_HOST>', 'the archive host')
    .argument('<SERVER_NAME>', 'the server name in Barman')
    .argument('[WAL_PATH]', "the value of %p (not needed with --test)");
  const usage = parseCommandLine(program, argv, EXIT_LOCAL);
  if (usage !== undefined) return usage;
  const options = program.opts<ArchiveOptions>();
  const [host, server, walPath] = program.processedArgs as [string, string, string | undefined];
  try {
    if (options.gzip && options.bzip2) throw new UsageError('-z/--gzip and -j/--bzip2 cannot be combined');
    const transport = createTransport({
      kind: options.transport,
      host,
      user: options.user,
      stderr: io.stderr,
      env: io.env,
      localServer: loadServerMain,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.reuseConnection === undefined ? {} : { reuseSeconds: options.reuseConnection }),
    });
    const common = { server, configPath: options.config, transport, stdout: io.stdout };
    if (options.test) return await testArchive(common);
    if (walPath === undefined) throw new UsageError('missing WAL_PATH');
    const request = {
      ...common,
      walPath,
      checksum: options.md5 ? ('md5' as const) : ('sha256' as const),
      compression: options.gzip ? ('gzip' as const) : options.bzip2 ? ('bzip2' as const) : undefined,
      compressionLevel: options.compressionLevel,
    };
    if (options.batch > 1) {
      const warn = (line: string): void => void io.stderr.write(`${line}\n`);
      await archiveWithBacklog(request, { max: options.batch, dir: options.batchDir, user: options.user, host, port: options.port, warn });
    } else {
      await archiveWal(request);
    }
    return 0;
  } catch (error) {
    io.stderr.write(formatError(error));
    return archiveExitStatus(error);
  }
}
