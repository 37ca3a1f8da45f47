// The process edge of get-wal: argv, the Barman configuration, stderr lines and the exit status.

import { guard, type ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { resolveServer } from '../config/barman-config.js';
import {
  CompressionError,
  ConfigError,
  DestinationUnusableError,
  InvalidServerNameError,
  InvalidWalNameError,
  ServerInactiveError,
  UnknownServerError,
  UsageError,
} from '../errors.js';
import { walNotFoundMessage } from '../transport/barman-command.js';
import { parseGetWalArgs } from './args.js';
import { getWal, type GetWalResult } from './get-wal.js';

/**
 * Error → exit status. 1 only for what Barman answers 1 and means "not available": an unknown
 * server (a name that cannot be configured, InvalidServerNameError, is one too) and, as a result
 * rather than an error, a WAL file not in the archive. A restore passes 1 on to PostgreSQL, which
 * may end recovery there, so a file we have but cannot decode, a broken configuration, an inactive
 * server and anything unexpected (a read error) are 2, where Barman 3.4 says 1 (issue 8). 2 is
 * also a usage error (argparse); 3 an invalid WAL name or an unusable -o DIR, as Barman.
 */
export const GET_WAL_EXIT: ExitTable = {
  rows: [
    [UsageError, 2],
    [InvalidWalNameError, 3],
    [DestinationUnusableError, 3],
    [UnknownServerError, 1],
    [InvalidServerNameError, 1],
    [ServerInactiveError, 2],
    [ConfigError, 2],
    [CompressionError, 2],
  ],
  unexpected: 2,
};
export const EXIT_NOT_FOUND = 1;

export async function getWalCommand(args: string[], io: CommandIO, configPath: string | undefined): Promise<number> {
  return guard(io, GET_WAL_EXIT, async () => {
    const request = parseGetWalArgs(args, io);
    if (request === undefined) return 0;
    const server = resolveServer(configPath, request.serverName);
    if (!server.active) throw new ServerInactiveError(`Inactive server: ${server.name}`);
    return report(await getWal(request, server, io.stdout), request.serverName, io);
  });
}

/** Turns a result into output and a status. --test and --peek answers go to stdout, as Barman's. */
function report(result: GetWalResult, serverName: string, io: CommandIO): number {
  switch (result.kind) {
    case 'ready':
      io.stdout.write(`Ready to retrieve WAL files from the server ${serverName}\n`);
      return 0;
    case 'peeked':
      if (result.names.length > 0) io.stdout.write(`${result.names.join('\n')}\n`);
      return 0;
    case 'sent':
      return 0;
    case 'not-found':
      io.stderr.write(`ERROR: ${walNotFoundMessage(result.walName, serverName)}\n`);
      return EXIT_NOT_FOUND;
  }
}
