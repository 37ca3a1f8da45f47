// The process edge as a value: commands take their streams and environment from here, so that the
// same code runs as an executable, in-process behind the local transport, and in unit tests.

import { basename } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** The name the executable was run by (`barman-wal-restore`), for usage, help and version lines. */
  invokedAs?: string | undefined;
}

export const processIO = (): CommandIO => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  invokedAs: process.argv[1] === undefined ? undefined : basename(process.argv[1]),
});

/** Writes one line to stderr: the only place walship talks to humans. */
export const say = (io: CommandIO, line: string): void => {
  io.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
};
