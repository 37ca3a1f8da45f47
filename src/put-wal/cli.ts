// `walship-server put-wal [-t] SERVER`: argv, config lookup, stderr lines and the exit status.

import { parseArgs } from 'node:util';
import type { CommandIO } from '../cli/io.js';
import { say } from '../cli/io.js';
import { formatError } from '../cli/run-main.js';
import { resolveServer } from '../config/barman-config.js';
import { InvalidWalNameError, UsageError } from '../errors.js';
import type { PublishOutcome } from './publish.js';
import { putWal, requireActive } from './put-wal.js';

/** Error → exit status, as Barman's put-wal answers (argparse 2, invalid WAL name 3, any other failure 1). */
export function putWalExitStatus(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (error instanceof InvalidWalNameError) return 3;
  return 1;
}

function parsePutWalArgs(args: string[]): { server: string; test: boolean } {
  try {
    const { values, positionals } = parseArgs({ args, options: { test: { type: 'boolean', short: 't' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new UsageError('put-wal takes exactly one SERVER_NAME');
    return { server: positionals[0] as string, test: values.test === true };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
}

function report(io: CommandIO, outcome: PublishOutcome): void {
  if (outcome.result === 'identical') say(io, `WAL file ${outcome.name} is already archived with identical content (${outcome.existing}); nothing to do`);
  if (outcome.result === 'duplicate') {
    say(io, `WARNING: WAL file ${outcome.name} is already archived with DIFFERENT content (${outcome.existing}); the new bytes were kept in ${outcome.keptAt}`);
  }
}

export async function putWalCommand(args: string[], io: CommandIO, configPath: string | undefined): Promise<number> {
  try {
    const { server: name, test } = parsePutWalArgs(args);
    const server = resolveServer(configPath, name);
    requireActive(server);
    if (test) {
      io.stdout.write(`Ready to accept WAL files for the server ${server.name}\n`);
      return 0;
    }
    const outcomes = await putWal({ server, input: io.stdin });
    outcomes.forEach((outcome) => report(io, outcome));
    return 0;
  } catch (error) {
    io.stderr.write(formatError(error));
    return putWalExitStatus(error);
  }
}
