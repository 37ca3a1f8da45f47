// get-wal's command line, as Barman 3.4's argparse accepts it and barman-wal-restore sends it:
// `get-wal [-o DIR] [-P] [-z|-x|-j|--keep-compression] [-p N] [-t] SERVER_NAME WAL_NAME`.

import { Option } from 'commander';
import { SERVER } from '../cli/executables.js';
import type { CommandIO } from '../cli/io.js';
import { numberOption } from '../cli/number-option.js';
import { createProgram, parseProgram } from '../cli/program.js';
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

/** Returns the request, or undefined when help or version was printed (see src/cli/program.ts). */
export function parseGetWalArgs(args: readonly string[], io: Pick<CommandIO, 'stdout' | 'invokedAs'>): GetWalRequest | undefined {
  // -z/-j/--keep-compression are store_const flags in Barman: the last one given wins.
  let output: OutputFormat = 'plain';
  const program = createProgram(SERVER, io, 'get-wal')
    .description('send one WAL file on stdout (or into -o DIR), or peek at the names that follow it')
    .argument('<SERVER_NAME>')
    .argument('<WAL_NAME>')
    .option('-o, --output-directory <DIR>', 'write the WAL file into DIR/<WAL_NAME> instead of stdout')
    .option('-P, --partial', 'also look for .partial files')
    .option('-z, --gzip', 'compress the output with gzip')
    .addOption(new Option('-x', 'alias of --gzip (Barman)').hideHelp())
    .option('-j, --bzip2', 'compress the output with bzip2')
    .option('--keep-compression', 'send the stored bytes as they are')
    // Barman's check_positive: Python's int(), at least 1.
    .option('-p, --peek <N>', 'list up to N existing WAL names from WAL_NAME on', numberOption({ min: 1, max: Number.MAX_SAFE_INTEGER, pythonInt: true }))
    .option('-t, --test', 'check the server configuration and exit');
  program.on('option:gzip', () => (output = 'gzip'));
  program.on('option:x', () => (output = 'gzip'));
  program.on('option:bzip2', () => (output = 'bzip2'));
  program.on('option:keep-compression', () => (output = 'keep'));
  if (!parseProgram(program, args)) return undefined;
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
