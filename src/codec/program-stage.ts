// Runs a filter program (bzip2, xz, zstd, lz4) as a Duplex pipeline stage. argv only, no shell.
// The readable side ends only after the program has exited 0, so a failing decoder can never
// look like a short but successful stream.

import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { CompressionError } from '../errors.js';

export function programStage(argv: [string, ...string[]], what: string): Duplex {
  const [command, ...args] = argv;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stdoutEnded = false;
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });

  const finish = (): void => {
    if (!exited || !stdoutEnded) return;
    if (exited.code === 0) stage.push(null);
    else {
      const detail = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${exited.code ?? exited.signal}`;
      stage.destroy(new CompressionError(`${what} failed: ${detail}`));
    }
  };

  const stage = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      if (child.stdin.write(chunk)) callback();
      else child.stdin.once('drain', () => callback());
    },
    final(callback) {
      child.stdin.end(callback);
    },
    read() {
      child.stdout.resume();
    },
    destroy(error, callback) {
      if (exited === undefined) child.kill('SIGKILL');
      callback(error);
    },
  });

  child.stdout.on('data', (chunk: Buffer) => {
    if (!stage.push(chunk)) child.stdout.pause();
  });
  child.stdout.on('end', () => {
    stdoutEnded = true;
    finish();
  });
  // EPIPE on stdin means the program stopped reading; its exit status tells the real story.
  child.stdin.on('error', () => undefined);
  child.on('error', (error) => stage.destroy(new CompressionError(`${what}: cannot run ${command}: ${error.message}`, { cause: error })));
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    finish();
  });
  return stage;
}
