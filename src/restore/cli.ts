// The process edge of walship-restore: argv, stderr lines, the exit status, and starting the
// prefetch worker once WAL_DEST is delivered.

import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { guard, reportError, type ExitTable } from '../cli/exit-table.js';
import { say, type CommandIO } from '../cli/io.js';
import { requireServerName } from '../config/barman-config.js';
import {
  CompressionError,
  DestinationUnusableError,
  InvalidSegmentError,
  InvalidServerNameError,
  InvalidWalNameError,
  ObjectStoreConfigError,
  ObjectStoreError,
  RemoteCommandError,
  SshConnectError,
  UsageError,
} from '../errors.js';
import { isObjectStoreUrl } from '../object-store/target.js';
import { loadServerMain } from '../server/in-process.js';
import { getWalArgs } from '../transport/barman-command.js';
import { isNotAvailable, requireRemoteSuccess } from '../transport/remote-exit.js';
import { validateSshTarget } from '../transport/openssh.js';
import { transportFromOptions } from '../transport/select.js';
import type { Transport } from '../transport/transport.js';
import { requireWalName, type WalName } from '../wal/name.js';
import { parseRestoreArgs, type RestoreOptions } from './args.js';
import { readClusterIdentity, type ClusterIdentity } from '../wal/cluster-identity.js';
import { expectedSystemIdentifierOf } from './expected-identity.js';
import { cleanupTempsOnSignal } from './interrupt.js';
import { restoreAsync } from './async-client.js';
import { restoreWal } from './restore.js';
import { isRecoveryXlogCall, restoreForRewind, rewindDataDir } from './rewind-mode.js';
import { startPrefetch, openSpoolOrWarn, type ClusterSpool } from './prefetch/start.js';
import { throttleAfterFailure } from './throttle.js';

/**
 * Error → exit status. PostgreSQL treats any restore_command exit above 125 as fatal and aborts
 * recovery (and a signal death likewise), so every status here is 2..3. Exit 1 is no error: it is
 * the result "not in the archive" (EXIT_NOT_FOUND), which PostgreSQL may take as the end of the
 * archive and promote on, so a remote failure of any status (RemoteCommandError) is 2, never 1.
 * An unexpected exception is 2, "could not fetch", never 0 and never above 125.
 */
export const RESTORE_EXIT: ExitTable = {
  rows: [
    [DestinationUnusableError, 3],
    [SshConnectError, 2],
    [RemoteCommandError, 2],
    [CompressionError, 2],
    [InvalidSegmentError, 2],
    [UsageError, 2],
    [InvalidWalNameError, 2],
    [InvalidServerNameError, 2],
    // s3:// targets: the store refused or never answered, or no credentials/endpoint. Never 1.
    [ObjectStoreError, 2],
    [ObjectStoreConfigError, 2],
  ],
  unexpected: 2,
};
export const EXIT_DELIVERED = 0;
export const EXIT_NOT_FOUND = 1;

export async function restoreMain(argv: string[], io: CommandIO): Promise<number> {
  let options: RestoreOptions;
  try {
    const parsed = parseRestoreArgs(argv, io);
    if (parsed === undefined) return 0;
    options = parsed;
  } catch (error) {
    return reportError(io, RESTORE_EXIT, error);
  }
  const status = await guard(io, RESTORE_EXIT, () => runRestore(options, argv, io));
  await throttleAfterFailure(status, options.sleepSeconds, (line) => say(io, line));
  return status;
}

async function runRestore(options: RestoreOptions, argv: readonly string[], io: CommandIO): Promise<number> {
  const objectStore = isObjectStoreUrl(options.barmanHost);
  // One segment at a time comes straight from the bucket; -p and --async speak get-wal to it through
  // the object-store transport, like to any archive host.
  if (objectStore && !options.async && options.jobs === 0) {
    const outcome = await (await import('./object-store.js')).restoreFromObjectStore(options, io);
    return outcome === 'not-found' ? EXIT_NOT_FOUND : EXIT_DELIVERED;
  }
  requireServerName(options.serverName);
  if (objectStore && options.format !== 'plain') throw new UsageError('-z/-j/--keep-compression are not supported with an s3:// target (objects are decoded by their suffix)');
  if (options.transport === 'ssh' && !objectStore) validateSshTarget(options.barmanHost, options.user, options.port);
  const transport = transportFromOptions(options, io.stderr, io.env, loadServerMain);
  try {
    if (options.test) return await testConnection(transport, options, io);
    const wal = requireWalName(options.walName, 'WAL_NAME');
    if (options.async) return await runAsync(options, wal, transport, argv, io);
    const cluster = await readClusterIdentity();
    const systemIdentifier = expectedSystemIdentifierOf(wal, cluster, io);
    const forward = options.jobs > 0 && rewindDataDir(options.walDest, wal.name) === undefined;
    const spool = forward ? await clusterSpool(options, cluster, io) : undefined;
    cleanupTempsOnSignal(() => [dirname(options.walDest), ...(spool ? [spool.dir] : [])]);
    const result = await restoreWal(options, wal, { transport, spool, systemIdentifier, warn: (line) => say(io, line) });
    if (result.kind === 'not-found') return EXIT_NOT_FOUND;
    // Delivered: from here on nothing may turn the status into a failure.
    if (spool && result.header) await startPrefetch(options, spool, wal, result.header.segmentSize, io);
    return EXIT_DELIVERED;
  } finally {
    await transport.close();
  }
}

/**
 * The spool of this data directory (issue 10: two members of one cluster on one host never share
 * one). No pg_control in the cwd means the caller is not PostgreSQL recovering here (pg_rewind reads
 * backwards, so a forward prefetch is waste, and it must never be served a stale spool): no spool
 * and no worker for this call.
 */
async function clusterSpool(options: RestoreOptions, identity: ClusterIdentity, io: CommandIO): Promise<ClusterSpool | undefined> {
  if (!identity.known) return undefined;
  return openSpoolOrWarn(options, { systemIdentifier: identity.systemIdentifier, dataDir: await realpath('.') }, io);
}

/**
 * --async: a pg_rewind-shaped call (design §3.3) and history probes (design §3.1) stay synchronous
 * and never touch the spool; PostgreSQL's segment calls go through the async client.
 */
async function runAsync(options: RestoreOptions, wal: WalName, transport: Transport, argv: readonly string[], io: CommandIO): Promise<number> {
  const warn = (line: string): void => say(io, line);
  cleanupTempsOnSignal(() => [dirname(options.walDest)]);
  const rewindDir = rewindDataDir(options.walDest, wal.name);
  let outcome: 'delivered' | 'not-found';
  if (rewindDir !== undefined) outcome = await restoreForRewind(options, wal, rewindDir, transport, warn);
  else if (wal.kind === 'segment' && isRecoveryXlogCall(options.walDest)) {
    outcome = await restoreAsync(options, wal, { transport, dataDir: process.cwd(), argv, env: io.env, warn });
  } else outcome = (await restoreWal(options, wal, { transport, spool: undefined, systemIdentifier: expectedSystemIdentifierOf(wal, await readClusterIdentity(), io), warn })).kind === 'delivered' ? 'delivered' : 'not-found';
  return outcome === 'delivered' ? EXIT_DELIVERED : EXIT_NOT_FOUND;
}

/** -t: run `get-wal --test`, show its answer, exit 0 when the server is ready. */
async function testConnection(transport: Transport, options: RestoreOptions, io: CommandIO): Promise<number> {
  const command = transport.run(getWalArgs(options, { test: true }));
  command.stdin.end();
  command.stdout.on('data', (chunk: Buffer) => io.stdout.write(chunk));
  const exit = await command.done;
  // 1 only for get-wal's "unknown server" answer, as for a fetch; any other failure is 2.
  if (isNotAvailable(exit, options.serverName)) return EXIT_NOT_FOUND;
  requireRemoteSuccess(exit, { failed: (status) => `remote get-wal --test exited ${status}` });
  return EXIT_DELIVERED;
}
