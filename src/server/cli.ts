// walship-server (and its `barman` alias): Barman's global options, then put-wal or get-wal.
// barman-cli sends `--config='PATH'` and `--config PATH` through the remote shell; both parse here.

import type { CommandIO } from '../cli/io.js';
import { formatError } from '../cli/run-main.js';
import { UsageError } from '../errors.js';

/** argparse's status for a usage error; SPEC §1 gives 2 for any subcommand other than ours. */
export const EXIT_USAGE = 2;

export interface GlobalOptions {
  configPath: string | undefined;
  command: string | undefined;
  rest: string[];
}

/** Barman global flags we accept and ignore, because they change only Barman's own logging. */
const IGNORED_FLAGS = new Set(['-q', '--quiet', '-d', '--debug']);
const IGNORED_WITH_VALUE = new Set(['-f', '--format', '--log-level', '--color', '--colour']);

export function parseGlobalOptions(argv: readonly string[]): GlobalOptions {
  let configPath: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-c' || arg === '--config') {
      configPath = argv[++i];
      if (configPath === undefined) throw new UsageError(`${arg} needs a path`);
    } else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else if (IGNORED_FLAGS.has(arg)) continue;
    else if (IGNORED_WITH_VALUE.has(arg)) i++;
    else if ([...IGNORED_WITH_VALUE].some((flag) => arg.startsWith(`${flag}=`))) continue;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else break;
  }
  return { configPath, command: argv[i], rest: argv.slice(i + 1) };
}

export async function serverMain(argv: string[], io: CommandIO): Promise<number> {
  let options: GlobalOptions;
  try {
    options = parseGlobalOptions(argv);
  } catch (error) {
    io.stderr.write(formatError(error));
    return EXIT_USAGE;
  }
  switch (options.command) {
    case 'put-wal': {
      const { putWalCommand } = await import('../put-wal/cli.js');
      return putWalCommand(options.rest, io, options.configPath);
    }
    case 'get-wal': {
      const { getWalCommand } = await import('../get-wal/cli.js');
      return getWalCommand(options.rest, io, options.configPath);
    }
    default:
      io.stderr.write(
        formatError(
          new UsageError(
            options.command === undefined
              ? 'no command given'
              : `'${options.command.slice(0, 64)}' is not available: this host runs walship, which implements only Barman's put-wal and get-wal`,
            { hint: 'usage: barman [-c CONFIG] put-wal [-t] SERVER | get-wal [options] SERVER WAL_NAME' },
          ),
        ),
      );
      return EXIT_USAGE;
  }
}
