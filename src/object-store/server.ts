// The far end of the object-store transport: Barman's `put-wal` and `get-wal` commands, as the
// clients send them (barman-command.ts), answered against the bucket instead of a backup directory.
// A store that never answered is a transport failure (thrown: the client's "could not reach the
// archive host", never "not in the archive"); every other failure is the command's own ERROR line
// and exit status, as a remote barman's would be.

import { reportError } from '../cli/exit-table.js';
import type { ServerEntry } from '../transport/local.js';
import { ObjectStoreError } from '../errors.js';
import type { OpenedStore } from './options.js';

export type ServerIO = Parameters<ServerEntry>[1];

/** Barman's global `--config=FILE` / `--config FILE`: meaningless for a bucket, and skipped. */
function dropConfig(argv: readonly string[]): string[] {
  const rest = [...argv];
  while (rest[0]?.startsWith('--config')) rest.splice(0, rest[0] === '--config' ? 2 : 1);
  return rest;
}

/** What the handlers do not map themselves: 2, a failure on the far end that is not "not in the archive". */
const FAR_END_EXIT = { rows: [], unexpected: 2 };

export const isUnreachable = (error: unknown): boolean => error instanceof ObjectStoreError && error.status === undefined;

export function objectStoreServer(opened: OpenedStore): ServerEntry {
  return async (argv, io) => {
    const [command, ...args] = dropConfig(argv);
    // Bound here once for both commands: every request they make, down to putWalObject's, ends
    // when the client aborts (the transport's signal), instead of running on for up to 60 s per attempt.
    const store = { ...opened, store: opened.store.withSignal(io.signal) };
    try {
      if (command === 'put-wal') return await (await import('./serve-put.js')).servePutWal(store, args, io);
      if (command === 'get-wal') return await (await import('./serve-get.js')).serveGetWal(store, args, io);
    } catch (error) {
      if (isUnreachable(error)) throw error;
      return reportError(io, FAR_END_EXIT, error);
    }
    // As Barman's argparse refuses a command it does not know (`serve` included: clients fall back).
    io.stderr.write(`ERROR: ${JSON.stringify(command ?? '')} is not a command an s3:// target answers\n`);
    return 2;
  };
}

/** The far end when the store cannot even be opened (a configuration error): every command gets it, exit 2. */
export const refusingServer = (error: unknown): ServerEntry => async (_argv, io) => reportError(io, FAR_END_EXIT, error);
