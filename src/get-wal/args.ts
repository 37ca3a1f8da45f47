// get-wal's command line, as Barman 3.4's argparse accepts it and barman-wal-restore sends it:
// `get-wal [-o DIR] [-P] [-z|-x|-j|--keep-compression] [-p N] [-t] SERVER_NAME WAL_NAME`.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { OutputFormat } from './send.js';

export interface GetWalRequest {
  serverName: string;
  /** As given; validated only after --test, which barman-wal-restore sends with `dummy_wal_name`. */
  walName: string;
  output: OutputFormat;
  partial: boolean;
  peek: number | undefined;
  outputDirectory: string | undefined;
  test: boolean;
}

/** Barman's check_positive: --peek takes an integer >= 1. */
const parsePeek = (value: string): number => {
  if (!/^\s*\+?\d+\s*$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return Number(value);
};

/** Returns the request, or 'help' after printing usage to stderr (stdout carries only WAL bytes). */
export function parseGetWalArgs(args: readonly string[], stderr: Writable): GetWalRequest | 'help' {
  // -z/-j/--keep-compression are store_const flags in Barman: the last one given wins.
  let output: OutputFormat = 'plain';
  const program = new Command('get-wal')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stderr.write(text), writeErr: (text) => stderr.write(text), outputError: () => undefined })
    .argument('<SERVER_NAME>')
    .argument('<WAL_NAME>')
    .option('-o, --output-directory <DIR>', 'write the WAL file into DIR/<WAL_NAME> instead of stdout')
    .option('-P, --partial', 'also look for .partial files')
    .option('-z, --gzip', 'compress the output with gzip')
    .addOption(new Option('-x', 'alias of --gzip (Barman)').hideHelp())
    .option('-j, --bzip2', 'compress the output with bzip2')
    .option('--keep-compression', 'send the stored bytes as they are')
    .option('-p, --peek <N>', 'list up to N existing WAL names from WAL_NAME on', parsePeek)
    .option('-t, --test', 'check the server configuration and exit');
  program.on('option:gzip', () => (output = 'gzip'));
  program.on('option:x', () => (output = 'gzip'));
  program.on('option:bzip2', () => (output = 'bzip2'));
  program.on('option:keep-compression', () => (output = 'keep'));
  try {
    program.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 'help';
    if (error instanceof CommanderError) throw new UsageError(error.message.replace(/^error: /, ''), { hint: 'usage: get-wal [-o DIR] [-P] [-z|-j|--keep-compression] [-p N] [-t] SERVER_NAME WAL_NAME' });
    throw error;
  }
  const opts = program.opts<{ outputDirectory?: string; partial?: boolean; peek?: number; test?: boolean }>();
  const [serverName, walName] = program.args as [string, string];
  return {
    serverName,
    walName,
    output,
    partial: opts.partial === true,
    peek: opts.peek,
    outputDirectory: opts.outputDirectory,
    test: opts.test === true,
  };
}
