// Runs a command's main at the process edge: the exit status is set only after stdout and stderr
// have flushed, and an unexpected exception becomes one `ERROR:` line with the given status.

import { WalshipError } from '../errors.js';
import { processIO, type CommandIO } from './io.js';

/** Formats an error as the single `ERROR: ...` line (plus `HINT: ...` when the user can act). */
export function formatError(error: unknown): string {
  if (error instanceof WalshipError) return `ERROR: ${error.message}${error.hint ? `\nHINT: ${error.hint}` : ''}\n`;
  const message = error instanceof Error ? error.message : String(error);
  return `ERROR: ${message}\n`;
}

const flush = (stream: NodeJS.WritableStream): Promise<void> =>
  new Promise((resolve) => {
    if (!stream.write('')) stream.once('drain', () => resolve());
    else resolve();
  });

export function runMain(main: (argv: string[], io: CommandIO) => Promise<number>, unexpectedStatus: number): void {
  const io = processIO();
  main(process.argv.slice(2), io)
    .catch((error: unknown) => {
      io.stderr.write(formatError(error));
      return unexpectedStatus;
    })
    .then(async (status) => {
      await Promise.all([flush(process.stdout), flush(process.stderr)]);
      process.exitCode = status;
    });
}
