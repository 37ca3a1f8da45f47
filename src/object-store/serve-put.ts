// `put-wal SERVER [--test]` answered against the bucket: the far end of the object-store transport
// for walship-archive --batch and the async agent (server.ts). Same answers and exit statuses as
// walship-server's put-wal for the same refusals (PUT_WAL_EXIT); a store that never answered is
// thrown instead, so the client sees a transport failure (its exit 3, the agent's global error),
// never a refusal it would report against the files.

import { reportError } from '../cli/exit-table.js';
import { requireServerName } from '../config/barman-config.js';
import { ObjectStoreError, UsageError } from '../errors.js';
import { PUT_WAL_EXIT } from '../put-wal/cli.js';
import { serverPrefix } from './layout.js';
import { isRetryableNetworkError } from './retry.js';
import type { OpenedStore } from './options.js';
import { putWalStream, type MemberOutcome } from './put-stream.js';
import { isUnreachable, type ServerIO } from './server.js';

const TEST_FLAGS = new Set(['-t', '--test']);

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
  if (outcome.result === 'duplicate') {
    io.stderr.write(`WARNING: WAL file ${outcome.name} is already archived with DIFFERENT content (s3://${bucket}/${outcome.key}); the new bytes were kept in s3://${bucket}/${outcome.keptAt}\n`);
  }
}

export async function servePutWal(opened: OpenedStore, args: readonly string[], io: ServerIO): Promise<number> {
  try {
    const { server, test } = parseServePutArgs(args);
    requireServerName(server);
    if (test) {
      // A LIST proves the endpoint, the credentials and the bucket answer before "ready" is said.
      await opened.store.listKeys(`${serverPrefix(opened.location, server)}/`);
      io.stdout.write(`Ready to accept WAL files for the server ${server}\n`);
      return 0;
    }
    const outcomes = await putWalStream({ ...opened, server, input: io.stdin, now: () => new Date() });
    for (const outcome of outcomes) report(io, opened.location.bucket, outcome);
    return 0;
  } catch (error) {
    const failure = droppedAsUnreachable(error);
    if (isUnreachable(failure)) throw failure;
    return reportError(io, PUT_WAL_EXIT, failure);
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
