// Runs a command's main in-process (what its bin/ entry runs) with stdout and stderr captured.
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../src/cli/io.js';

export interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runInProcess(main: (argv: string[], io: CommandIO) => Promise<number>, argv: string[]): Promise<Captured> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const status = await main(argv, { stdin: new PassThrough(), stdout, stderr, env: {} });
  return { status, stdout: out.join(''), stderr: err.join('') };
}
