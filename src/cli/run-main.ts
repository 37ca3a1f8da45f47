// Runs an entry point at the process edge: the exit status is set only after stdout and stderr
// have flushed, and an exception that escapes main becomes one `ERROR:` line and its table status.

import { exitStatusFor, formatError, type ExitTable } from './exit-table.js';
import { processIO, type CommandIO } from './io.js';

const flush = (stream: NodeJS.WritableStream): Promise<void> =>
  new Promise((resolve) => {
    if (!stream.write('')) stream.once('drain', () => resolve());
    else resolve();
  });

/** Settles `work` into process.exitCode once `streams` have flushed; never exits 0 with work pending. */
function settle(work: () => Promise<number>, table: ExitTable, streams: NodeJS.WritableStream[]): void {
  let finished = false;
  // If the event loop empties while main is still pending (a stream nobody will ever end), Node
  // would exit 0: for archive_command that means "archived". Never let that happen.
  process.on('exit', () => {
    if (finished) return;
    process.stderr.write('ERROR: internal error: walship stopped before finishing its work\n');
    process.exitCode = table.unexpected;
  });
  work()
    .catch((error: unknown) => {
      process.stderr.write(formatError(error));
      return exitStatusFor(table, error);
    })
    .then(async (status) => {
      await Promise.all(streams.map(flush));
      finished = true;
      process.exitCode = status;
    });
}

/** An executable's entry: main gets argv and the process's streams. */
export function runMain(main: (argv: string[], io: CommandIO) => Promise<number>, table: ExitTable): void {
  const io = processIO();
  settle(() => main(process.argv.slice(2), io), table, [process.stdout, process.stderr]);
}

/** Statuses of a detached worker: nobody waits for it, so any failure is simply 1. */
const WORKER_EXIT: ExitTable = { rows: [], unexpected: 1 };

/**
 * A detached worker's entry (the restore prefetch worker): its stdio is /dev/null and it logs to a
 * file of its own, so it gets no CommandIO and its stdout is never touched.
 */
export function runWorker(main: () => Promise<void>): void {
  settle(async () => (await main(), 0), WORKER_EXIT, [process.stderr]);
}
