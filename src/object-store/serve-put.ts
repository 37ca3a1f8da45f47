// `put-wal SERVER [--test]` answered against the bucket: the far end of the object-store transport
// for walship-archive --batch and the async agent (server.ts). Same answers and exit statuses as
// walship-server's put-wal for the same refusals (PUT_WAL_EXIT); a store that never answered is
// thrown instead, so the client sees a transport failure (its exit 3, the agent's global error),
// never a refusal it would report against the files.

import { reportError, type ExitTable } from '../cli/exit-table.js';
import { requireServerName } from '../config/barman-config.js';
import { ObjectStoreConfigError, ObjectStoreError, UsageError } from '../errors.js';
import { PUT_WAL_EXIT } from '../put-wal/cli.js';
import { probeStore, readyToAcceptLine } from './get-ready.js';
import { isRetryableNetworkError } from './retry.js';
import type { OpenedStore } from './options.js';
import { putWalStream, type MemberOutcome } from './put-stream.js';
import { duplicateWarningLine } from './put-wal.js';
import { isUnreachable, type ServerIO } from './server.js';

const TEST_FLAGS = new Set(['-t', '--test']);

/**
 * put-wal's own statuses, plus the store's: a store that answered with a refusal (403, 5xx after the
 * retries) is 2, as on walship-archive's sync path to the bucket. 1 stays put-wal's "refused these
 * files" (not the segment its name claims, another cluster's), which the agent verifies by a fetch.
 */
const SERVE_PUT_EXIT: ExitTable = {
  rows: [[ObjectStoreError, 2], [ObjectStoreConfigError, 2], ...PUT_WAL_EXIT.rows],
  unexpected: PUT_WAL_EXIT.unexpected,
};

/** The words putWalArgs sends (barman-command.ts): one server name, and maybe --test. */
export function parseServePutArgs(args: readonly string[]): { server: string; test: boolean } {
  const names = args.filter((arg) => !TEST_FLAGS.has(arg));
  const [server] = names;
  if (names.length !== 1 || server === undefined || server.startsWith('-')) {
    throw new UsageError(`put-wal takes one SERVER_NAME and an optional --test, not ${JSON.stringify(args)}`);
  }
  return { server, test: names.length < args.length };
}

/** put-wal's stderr lines for the outcomes that are not plain "stored" (as walship-server words them). */
function report(io: ServerIO, bucket: string, outcome: MemberOutcome): void {
  if (outcome.result === 'identical') io.stderr.write(`WAL file ${outcome.name} is already archived with identical content (s3://${bucket}/${outcome.key}); nothing to do\n`);
  if (outcome.result === 'duplicate') io.stderr.write(`${duplicateWarningLine(bucket, outcome.name, outcome)}\n`);
}

export async function servePutWal(opened: OpenedStore, args: readonly string[], io: ServerIO): Promise<number> {
  try {
    const { server, test } = parseServePutArgs(args);
    requireServerName(server);
    if (test) {
      await probeStore(opened.store, opened.location, server);
      io.stdout.write(`${readyToAcceptLine(server)}\n`);
      return 0;
    }
    const outcomes = await putWalStream({ ...opened, server, input: io.stdin, now: () => new Date() });
    for (const outcome of outcomes) report(io, opened.location.bucket, outcome);
    return 0;
  } catch (error) {
    const failure = droppedAsUnreachable(error);
    if (isUnreachable(failure)) throw failure;
    return reportError(io, SERVE_PUT_EXIT, failure);
  }
}

/**
 * A connection that dropped while a response body was read (radosgw killed between headers and
 * body) reaches us as the socket's own error, not as the client's ObjectStoreError: it is the store
 * not answering all the same, so the client must see a transport failure, not a refusal of its files.
 */
function droppedAsUnreachable(error: unknown): unknown {
  if (error instanceof ObjectStoreError || !isRetryableNetworkError(error)) return error;
  return new ObjectStoreError(`the store dropped the connection: ${(error as Error).message}`, undefined, undefined, { cause: error });
}
