// Shared commander setup for walship's client executables: `ERROR:`-style messages on stderr,
// no process.exit from inside commander, and usage errors surfaced as a status for cli.ts.

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { CommandIO } from './io.js';

export const VERSION = '0.1.0';

/** A commander program that writes through `io` and throws instead of exiting. */
export function newProgram(name: string, description: string, io: CommandIO): Command {
  return new Command(name)
    .description(description)
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text.replace(/^error: /, 'ERROR: ')),
    });
}

/**
 * Parses argv; returns undefined on success, or the status to exit with when commander printed
 * help/version (0) or a usage error (`usageStatus`).
 */
export function parseCommandLine(program: Command, argv: string[], usageStatus: number): number | undefined {
  try {
    program.parse(argv, { from: 'user' });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : usageStatus;
    }
    throw error;
  }
}

/** Option parser for a positive integer (ports, seconds, jobs). */
export const integerOption =
  (what: string, min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}`);
    return n;
  };
