// walship-archive (alias barman-wal-archive): argv, transport choice, stderr and the exit status.

import { Option } from 'commander';
import { ARCHIVE } from '../cli/executables.js';
import { exitRow, guard, type ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { numberOption } from '../cli/number-option.js';
import { createProgram, parseProgram, usageError } from '../cli/program.js';
import { RemoteCommandError, SshConnectError } from '../errors.js';
import { createTransport, type TransportKind } from '../transport/select.js';
import { loadServerMain } from '../server/in-process.js';
import { archiveWal, testArchive } from './archive.js';
import { archiveWithBacklog } from './batch.js';

/**
 * Exit statuses (SPEC §1): 0 archived; 3 ssh itself failed; the remote's own status when put-wal
 * answered; 2 for everything else, which happened on this side of the wire (usage, WAL_PATH, a
 * server name refused before sending, a compressor, a file that changed while it was sent).
 */
export const ARCHIVE_EXIT: ExitTable = {
  rows: [[SshConnectError, 3], exitRow(RemoteCommandError, (error) => error.status)],
  unexpected: 2,
};

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
  batchDir?: string;
}

export async function archiveMain(argv: string[], io: CommandIO): Promise<number> {
  return guard(io, ARCHIVE_EXIT, async () => {
    const program = createProgram(ARCHIVE, io)
      .option('-U, --user <USER>', 'ssh user on the archive host', 'barman')
      .option('--port <PORT>', 'ssh port', numberOption({ min: 1, max: 65535 }))
      .option('-c, --config <CONFIG>', 'Barman configuration file on the archive host')
      .option('-t, --test', "check the connection and the server's configuration, then exit")
      .option('--md5', 'send MD5SUMS instead of SHA256SUMS (for Barman older than 3.12)')
      .option('-z, --gzip', 'compress with gzip before sending')
      .option('-j, --bzip2', 'compress with bzip2 before sending')
      .option('--compression-level <N>', 'compression level 1-9', numberOption({ min: 1, max: 9 }))
      .addOption(new Option('--transport <KIND>', "ssh (OpenSSH), or local: run put-wal in this process against -c CONFIG").choices(['ssh', 'local']).default('ssh'))
      .option('--reuse-connection <SECONDS>', 'keep an OpenSSH master connection open this long for later calls', numberOption({ min: 0, max: 86400 }))
      .option('--batch <N>', 'ship up to N segments per call: WAL_PATH plus the next ones PostgreSQL has ready (1: off)', numberOption({ min: 1, max: 256 }), 1)
      .option('--batch-dir <DIR>', 'where --batch records what the archive host already has (default: ~/.walship/batch, in the home from the password database)')
      .argument('<BARMAN_HOST>', 'the archive host')
      .argument('<SERVER_NAME>', 'the server name in Barman')
      .argument('[WAL_PATH]', 'the value of %p (not needed with --test)');
    if (!parseProgram(program, argv)) return 0;
    const options = program.opts<ArchiveOptions>();
    const [host, server, walPath] = program.processedArgs as [string, string, string | undefined];
    if (options.gzip && options.bzip2) throw usageError(program, '-z/--gzip and -j/--bzip2 cannot be combined');
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
    if (walPath === undefined) throw usageError(program, 'missing WAL_PATH');
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
  });
}
