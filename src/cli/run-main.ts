// Runs a command's main at the process edge: the exit status is set only after stdout and stderr
// have flushed, and an unexpected exception becomes one `ERROR:` line with the given status.

import { WalshipError } from '../errors.js';
import { processIO, type CommandIO } from './io.js';

/** Formats an error as the single `ERROR: ...` line (plus `HINT: ...` when the user can act). */
export function formatError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof WalshipError ? error.hint : undefined;
  return `ERROR: ${message}${hint ? `\nHINT: ${hint}` : ''}\n`;
}

const flush = (stream: NodeJS.WritableStream): Promise<void> =>
  new Promise((resolve) => {
    if (!stream.write('')) stream.once('drain', () => resolve());
    else resolve();
  });

export function runMain(main: (argv: string[], io: CommandIO) => Promise<number>, unexpectedStatus: number): void {
  const io = processIO();
  let finished = false;
  // If the event loop empties while main is still pending (a stream nobody will ever end), Node
  // would exit 0: for archive_command that means "archived". Never let that happen.
  process.on('exit', () => {
    if (finished) return;
    process.stderr.write('ERROR: internal error: walship stopped before finishing its work\n');
    process.exitCode = unexpectedStatus;
  });
  main(process.argv.slice(2), io)
    .catch((error: unknown) => {
      io.stderr.write(formatError(error));
      return unexpectedStatus;
    })
    .then(async (status) => {
      await Promise.all([flush(process.stdout), flush(process.stderr)]);
      finished = true;
      process.exitCode = status;
    });
}
