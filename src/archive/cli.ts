// walship-archive (alias barman-wal-archive): argv, transport choice, stderr and the exit status.

import { exitRow, guard, type ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { ObjectStoreError, RemoteCommandError, SshConnectError } from '../errors.js';
import { isObjectStoreUrl } from '../object-store/target.js';
import { createTransport } from '../transport/select.js';
import { loadServerMain } from '../server/in-process.js';
import { archiveWal, testArchive } from './archive.js';
import { archiveAsync } from './async-client.js';
import { archiveWithBacklog } from './batch.js';
import { CHECK_FLAG, isCheckMode, parseArchiveArgs, targetIdentityOf, type ParsedArchiveArgs } from './options.js';
import type { Transport } from '../transport/transport.js';

/**
 * Exit statuses (SPEC §1): 0 archived; 3 ssh itself failed; the remote's own status when put-wal
 * answered; 2 for everything else, which happened on this side of the wire (usage, WAL_PATH, a
 * server name refused before sending, a compressor, a file that changed while it was sent).
 * With an s3:// target: 3 when the store never answered (as ssh failing), 2 when it refused.
 */
export const ARCHIVE_EXIT: ExitTable = {
  rows: [
    [SshConnectError, 3],
    exitRow(RemoteCommandError, (error) => error.status),
    exitRow(ObjectStoreError, (error) => (error.status === undefined ? 3 : 2)),
  ],
  unexpected: 2,
};

export async function archiveMain(argv: string[], io: CommandIO): Promise<number> {
  if (isCheckMode(argv)) {
    const { archiveCheckMain } = await import('./check/cli.js');
    return archiveCheckMain(argv.filter((arg) => arg !== CHECK_FLAG), io);
  }
  return guard(io, ARCHIVE_EXIT, async () => {
    const args = parseArchiveArgs(argv, io, { walPathRequired: true });
    if (args === undefined) return 0;
    const { options, host } = args;
    // One segment at a time goes straight to the bucket; --async and --batch speak put-wal to it
    // through the object-store transport, like to any archive host.
    if (isObjectStoreUrl(host) && !options.async && (options.batch ?? 1) <= 1) return (await import('./object-store.js')).archiveToObjectStore(args, io);
    const transport = createTransport({
      kind: options.transport,
      host,
      user: options.user,
      stderr: io.stderr,
      env: io.env,
      localServer: loadServerMain,
      objectStore: options,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.reuseConnection === undefined ? {} : { reuseSeconds: options.reuseConnection }),
    });
    try {
      return await ship(args, argv, transport, io);
    } finally {
      await transport.close();
    }
  });
}

async function ship(args: ParsedArchiveArgs, argv: string[], transport: Transport, io: CommandIO): Promise<number> {
  const { options, host, server, walPath } = args;
  const common = { server, configPath: options.config, transport, stdout: io.stdout };
  if (options.test) return await testArchive(common);
  const request = { ...common, walPath: walPath as string, checksum: args.checksum, compression: args.compression, compressionLevel: options.compressionLevel };
  const warn = (line: string): void => void io.stderr.write(`${line}\n`);
  if (options.async) {
    // archive_command runs with the data directory as cwd (pgarch.c), and %p is relative to it.
    await archiveAsync(request, { args, argv, dataDir: process.cwd(), env: io.env, warn });
  } else if ((options.batch ?? 1) > 1) {
    const { endpoint } = targetIdentityOf(args, io.env);
    await archiveWithBacklog(request, { max: options.batch ?? 1, dir: options.batchDir, user: options.user, host, port: options.port, endpoint, warn });
  } else {
    await archiveWal(request);
  }
  return 0;
}
