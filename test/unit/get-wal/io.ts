// An in-memory CommandIO for running a command in-process and reading what it wrote.
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../../src/cli/io.js';

export interface CapturedIO {
  io: CommandIO;
  stdout(): Buffer;
  stderr(): string;
}

export function captureIO(env: NodeJS.ProcessEnv = {}): CapturedIO {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const stdin = new PassThrough();
  stdin.end();
  return {
    io: { stdin, stdout, stderr, env },
    stdout: () => Buffer.concat(out),
    stderr: () => Buffer.concat(err).toString('utf8'),
  };
}
