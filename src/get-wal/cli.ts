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
import { parseGetWalArgs } from './args.js';
import { getWal, type GetWalResult } from './get-wal.js';

/**
 * Error → exit status, as Barman's get-wal answers: 1 for a server or file it cannot serve, 2 for
 * a usage error (argparse), 3 for an invalid WAL name or an unusable -o DIR. Anything else (a read
 * error, a broken pipe to the client) is a failed get-wal: 1, as Barman.
 */
export const GET_WAL_EXIT: ExitTable = {
  rows: [
    [UsageError, 2],
    [InvalidWalNameError, 3],
    [DestinationUnusableError, 3],
    [UnknownServerError, 1],
    [InvalidServerNameError, 1],
    [ServerInactiveError, 1],
    [ConfigError, 1],
    [CompressionError, 1],
  ],
  unexpected: 1,
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
      io.stderr.write(`ERROR: WAL file '${result.walName}' not found in server '${serverName}'\n`);
      return EXIT_NOT_FOUND;
  }
}
