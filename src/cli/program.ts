// The one commander setup for every walship executable and subcommand: help and version on stdout,
// `-V/--version` from package.json, and every command-line mistake a UsageError whose HINT names
// the help to read. Commander never prints errors or exits by itself here.

import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { nameAsRun, type Executable } from './executables.js';
import type { CommandIO } from './io.js';
import { VERSION } from './version.js';

/**
 * Help goes to stdout everywhere, get-wal included: get-wal writes WAL bytes to stdout only once it
 * sends a file, and --help or --version returns before anything is looked up, so no reader of a
 * WAL stream can ever receive help text mixed into it (barman-wal-restore never passes either).
 */
function configure(command: Command, versionLine: string, io: Pick<CommandIO, 'stdout'>): Command {
  const fullName = commandPath(command);
  return command
    .version(versionLine, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: () => undefined, outputError: () => undefined })
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error; // help or version printed: parseProgram answers "exit 0"
      // 'commander.help' with a failure status: subcommands exist and none was given.
      const message = error.code === 'commander.help' ? 'no command given' : error.message.replace(/^error: /, '');
      throw new UsageError(message, { hint: `see ${fullName} --help` });
    });
}

const commandPath = (command: Command): string => (command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name());

/**
 * Called with every program createProgram makes. The man page generator (src/man/) runs each
 * command with --help and reads the options off the programs it made, so the man pages and --help
 * come from one source. Empty in a normal run.
 */
const programObservers = new Set<(program: Command) => void>();

/** Starts observing created programs; returns the function that stops. */
export function observePrograms(observer: (program: Command) => void): () => void {
  programObservers.add(observer);
  return () => programObservers.delete(observer);
}

/** A program for `executable`, named as it was run (`barman-wal-restore` when run by that alias). */
export function createProgram(executable: Executable, io: Pick<CommandIO, 'stdout' | 'invokedAs'>, subcommand?: string): Command {
  const name = nameAsRun(executable, io);
  const program = new Command(subcommand === undefined ? name : `${name} ${subcommand}`);
  if (subcommand === undefined) program.description(executable.description);
  for (const observer of programObservers) observer(program);
  return configure(program, `${name} ${VERSION}`, io);
}

/** A subcommand of `parent`, with the same help, version and usage-error handling. */
export function addSubcommand(parent: Command, name: string, io: Pick<CommandIO, 'stdout'>): Command {
  const command = parent.command(name);
  return configure(command, parent.version() ?? VERSION, io);
}

/** A usage error found after parsing (two flags that exclude each other), with the same HINT. */
export const usageError = (program: Command, message: string): UsageError =>
  new UsageError(message, { hint: `see ${commandPath(program)} --help` });

/** Help or version was printed: the caller exits 0. Anything else is rethrown (a UsageError above). */
function helpShown(error: unknown): true {
  if (error instanceof CommanderError && error.exitCode === 0) return true;
  throw error;
}

/** Parses argv (user arguments only); false when help or version was printed instead. */
export function parseProgram(program: Command, argv: readonly string[]): boolean {
  try {
    program.parse([...argv], { from: 'user' });
    return true;
  } catch (error) {
    return !helpShown(error);
  }
}

/** parseProgram for programs whose subcommand actions are async (walship-safe-dir). */
export async function parseProgramAsync(program: Command, argv: readonly string[]): Promise<boolean> {
  return program.parseAsync([...argv], { from: 'user' }).then(
    () => true,
    (error: unknown) => !helpShown(error),
  );
}
