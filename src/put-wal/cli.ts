// `walship-server put-wal [-t] SERVER`: argv, config lookup, stderr lines and the exit status.

import { SERVER } from '../cli/executables.js';
import { guard, type ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { say } from '../cli/io.js';
import { createProgram, parseProgram } from '../cli/program.js';
import { resolveServer } from '../config/barman-config.js';
import { InvalidSegmentError, InvalidWalNameError, UsageError } from '../errors.js';
import type { PublishOutcome } from './publish.js';
import { putWal, requireActive } from './put-wal.js';

/** Error → exit status, as Barman's put-wal answers (argparse 2, invalid WAL name 3, any other failure 1). */
export const PUT_WAL_EXIT: ExitTable = {
  rows: [
    [UsageError, 2],
    [InvalidWalNameError, 3],
    // Not the segment its name claims, or another cluster's (ForeignSegmentError): nothing published.
    [InvalidSegmentError, 1],
  ],
  unexpected: 1,
};

/** The server name and --test, or undefined when help or version was printed. */
function parsePutWalArgs(args: string[], io: CommandIO): { server: string; test: boolean } | undefined {
  const program = createProgram(SERVER, io, 'put-wal')
    .description('receive WAL files as a tar stream with their checksums on stdin and store them in incoming')
    .argument('<SERVER_NAME>')
    .option('-t, --test', 'check the server configuration and exit');
  if (!parseProgram(program, args)) return undefined;
  return { server: program.args[0] as string, test: program.opts<{ test?: boolean }>().test === true };
}

function report(io: CommandIO, outcome: PublishOutcome): void {
  if (outcome.result === 'identical') say(io, `WAL file ${outcome.name} is already archived with identical content (${outcome.existing}); nothing to do`);
  if (outcome.result === 'duplicate') {
    say(io, `WARNING: WAL file ${outcome.name} is already archived with DIFFERENT content (${outcome.existing}); the new bytes were kept in ${outcome.keptAt}`);
  }
}

export async function putWalCommand(args: string[], io: CommandIO, configPath: string | undefined): Promise<number> {
  return guard(io, PUT_WAL_EXIT, async () => {
    const parsed = parsePutWalArgs(args, io);
    if (parsed === undefined) return 0;
    const server = resolveServer(configPath, parsed.server);
    requireActive(server);
    if (parsed.test) {
      io.stdout.write(`Ready to accept WAL files for the server ${server.name}\n`);
      return 0;
    }
    const outcomes = await putWal({ server, input: io.stdin });
    outcomes.forEach((outcome) => report(io, outcome));
    return 0;
  });
}
