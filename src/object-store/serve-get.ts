// get-wal against the bucket: the command line walship-restore sends (barman-command.ts getWalArgs),
// parsed by get-wal's own parser and answered as walship-server's get-wal answers it: WAL bytes on
// stdout, decoded by the object's suffix; --peek's names; --test's ready line. Exit 1 carries
// Barman's "not found" line and means nothing else, since restore passes 1 on to PostgreSQL as
// "not in the archive"; a corrupt or undecodable object is an ERROR line and 2. A store that never
// answered is thrown (server.ts: a transport failure, not get-wal's answer).

import { reportError, type ExitTable } from '../cli/exit-table.js';
import { requireServerName } from '../config/barman-config.js';
import { parseGetWalArgs, type GetWalRequest } from '../get-wal/args.js';
import { GET_WAL_EXIT } from '../get-wal/cli.js';
import { peekWalNames } from '../get-wal/peek.js';
import { InvalidServerNameError, UsageError } from '../errors.js';
import { walNotFoundMessage } from '../transport/barman-command.js';
import { requireWalName } from '../wal/name.js';
import { checkStoreReady } from './get-ready.js';
import { storePeekSources } from './get-peek.js';
import { sendWalObject } from './get-wal.js';
import type { OpenedStore } from './options.js';
import { isUnreachable, type ServerIO } from './server.js';

const EXIT_NOT_FOUND = 1;

/**
 * walship-server's get-wal table, except that an invalid server name is 2 here: no configuration
 * is asked, so it is no "unknown server" answer, and 1 stays Barman's not-found line alone.
 */
const SERVE_GET_EXIT: ExitTable = { ...GET_WAL_EXIT, rows: [[InvalidServerNameError, 2], ...GET_WAL_EXIT.rows] };

export async function serveGetWal(opened: OpenedStore, args: readonly string[], io: ServerIO): Promise<number> {
  try {
    const request = parseGetWalArgs(args, io);
    return request === undefined ? 0 : await answer(opened, request, io);
  } catch (error) {
    if (isUnreachable(error)) throw error;
    return reportError(io, SERVE_GET_EXIT, error);
  }
}

async function answer({ store, location }: OpenedStore, request: GetWalRequest, io: ServerIO): Promise<number> {
  const server = requireServerName(request.serverName);
  refuseConversions(request);
  if (request.test) {
    io.stdout.write(`${await checkStoreReady(store, location, server)}\n`);
    return 0;
  }
  const wal = requireWalName(request.walName);
  if (request.peek !== undefined) {
    const names = await peekWalNames(wal, request.peek, storePeekSources(store, location, server));
    if (names.length > 0) io.stdout.write(`${names.join('\n')}\n`);
    return 0;
  }
  if ((await sendWalObject(store, location, server, wal, request.partial, io.stdout)) === 'sent') return 0;
  io.stderr.write(`ERROR: ${walNotFoundMessage(wal.name, server)}\n`);
  return EXIT_NOT_FOUND;
}

/**
 * The client refuses these for s3:// (src/restore/cli.ts) and so does this end: objects are decoded
 * by their suffix and sent plain, and -o would write into this host's filesystem, not the archive's.
 */
function refuseConversions(request: GetWalRequest): void {
  if (request.output !== 'plain') throw new UsageError('-z/-j/--keep-compression are not supported with an s3:// target (objects are decoded by their suffix)');
  if (request.outputDirectory !== undefined) throw new UsageError('-o is not supported with an s3:// target');
}
