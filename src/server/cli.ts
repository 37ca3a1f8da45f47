// walship-server (and its `barman` alias): Barman's global options, then put-wal, get-wal or serve.
// barman-cli sends `--config='PATH'` and `--config PATH` through the remote shell; both parse here.

import { Option } from 'commander';
import { nameAsRun, SERVER } from '../cli/executables.js';
import { guard, type ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { createProgram, parseProgram } from '../cli/program.js';
import { UsageError } from '../errors.js';

/** argparse's status for a usage error; SPEC §1 gives 2 for any subcommand other than ours. */
export const SERVER_EXIT: ExitTable = { rows: [[UsageError, 2]], unexpected: 1 };

export interface GlobalOptions {
  configPath: string | undefined;
  command: string | undefined;
  rest: string[];
}

const COMMANDS_HELP = `
Commands (each takes --help):
  put-wal [-t] SERVER_NAME                 receive WAL files (a tar stream on stdin) into incoming
  get-wal [options] SERVER_NAME WAL_NAME   send one WAL file, or --peek at the names that follow it
  serve SERVER_NAME                        get-wal and peek over one framed session (walship's restore agent)
  check [options] [SERVER...]              is each archive whole? (Nagios, JSON, Prometheus; walship-server only)
  expire [options] SERVER                  remove WAL no kept base backup needs (walship-server only)
`;

/**
 * walship's own commands, refused under the `barman` alias: `barman check` means Barman's check
 * (PostgreSQL connection, backups, replication slots...) to every monitoring set-up that runs it, so
 * answering it with walship's narrower archive check would report OK for things never looked at;
 * and `barman expire`-like removal must never run because a script meant another tool.
 */
const WALSHIP_ONLY = new Set(['check', 'expire']);

/** Barman global flags accepted and ignored, because they change only Barman's own logging. */
const ignoredFlags = (): Option[] =>
  [
    new Option('-q, --quiet'),
    new Option('-d, --debug'),
    new Option('-f, --format <FORMAT>'),
    new Option('--log-level <LEVEL>'),
    new Option('--color <WHEN>'),
    new Option('--colour <WHEN>'),
  ].map((option) => option.hideHelp());

/** The global options and the subcommand with its own arguments; undefined after help or version. */
export function parseGlobalOptions(argv: readonly string[], io: Pick<CommandIO, 'stdout' | 'invokedAs'>): GlobalOptions | undefined {
  const program = createProgram(SERVER, io)
    .usage('[-c CONFIG] put-wal|get-wal|serve|check|expire [ARGS...]')
    .option('-c, --config <CONFIG>', 'Barman configuration file (default: ~/.barman.conf, /etc/barman.conf, /etc/barman/barman.conf)')
    .argument('[command]')
    .argument('[args...]')
    // Everything from the subcommand on is the subcommand's: `put-wal --test pg`.
    .passThroughOptions()
    .addHelpText('after', COMMANDS_HELP);
  for (const option of ignoredFlags()) program.addOption(option);
  if (!parseProgram(program, argv)) return undefined;
  const [command, rest] = program.processedArgs as [string | undefined, string[]];
  return { configPath: program.opts<{ config?: string }>().config, command, rest };
}

export async function serverMain(argv: string[], io: CommandIO): Promise<number> {
  return guard(io, SERVER_EXIT, async () => {
    const options = parseGlobalOptions(argv, io);
    if (options === undefined) return 0;
    if (options.command !== undefined && WALSHIP_ONLY.has(options.command) && nameAsRun(SERVER, io) !== SERVER.name) {
      throw new UsageError(`'${options.command}' is walship's own command and is not run under the name '${nameAsRun(SERVER, io)}': Barman's ${options.command} means something else`, {
        hint: `run walship-server ${options.command} (see walship-server ${options.command} --help)`,
      });
    }
    switch (options.command) {
      case 'check': {
        const { checkCommand } = await import('../check/cli.js');
        return checkCommand(options.rest, io, options.configPath);
      }
      case 'expire': {
        const { expireCommand } = await import('../expire/cli.js');
        return expireCommand(options.rest, io, options.configPath);
      }
      case 'put-wal': {
        const { putWalCommand } = await import('../put-wal/cli.js');
        return putWalCommand(options.rest, io, options.configPath);
      }
      case 'get-wal': {
        const { getWalCommand } = await import('../get-wal/cli.js');
        return getWalCommand(options.rest, io, options.configPath);
      }
      case 'serve': {
        const { serveCommand } = await import('../serve/cli.js');
        return serveCommand(options.rest, io, options.configPath);
      }
      default:
        throw new UsageError(
          options.command === undefined
            ? 'no command given'
            : `'${options.command.slice(0, 64)}' is not available: this host runs walship, which implements only Barman's put-wal and get-wal`,
          { hint: 'usage: barman [-c CONFIG] put-wal [-t] SERVER | get-wal [options] SERVER WAL_NAME' },
        );
    }
  });
}
