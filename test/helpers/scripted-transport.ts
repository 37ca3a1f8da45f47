// A scripted Transport for unit tests: each call answers with the bytes, status or transport
// failure the test chooses, and records the argument vectors it was given.
import { PassThrough } from 'node:stream';
import type { RemoteExit, Transport } from '../../src/transport/transport.js';

export interface Answer {
  stdout?: Buffer;
  status?: number;
  /** Simulates OpenSSH exit 255 after sending `stdout`. */
  transportError?: string;
  /** What the remote printed on stderr; comes back as RemoteExit.stderrTail. */
  stderr?: string;
}

export interface ScriptedTransport extends Transport {
  calls: string[][];
}

export function scriptedTransport(answer: (args: readonly string[]) => Answer): ScriptedTransport {
  const calls: string[][] = [];
  return {
    label: 'scripted',
    calls,
    run(args) {
      calls.push([...args]);
      const reply = answer(args);
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      let aborted = false;
      const done = new Promise<RemoteExit>((resolve) => {
        stdout.on('close', () => undefined);
        setImmediate(() => {
          if (reply.stdout) {
            // Several chunks, as a pipe delivers them.
            for (let offset = 0; offset < reply.stdout.length; offset += 65536) {
              if (!aborted) stdout.write(reply.stdout.subarray(offset, offset + 65536));
            }
          }
          stdout.end();
          const finish = (): void =>
            resolve(
              aborted
                ? { status: undefined, transportError: 'killed by SIGTERM' }
                : reply.transportError !== undefined
                  ? { status: undefined, transportError: reply.transportError }
                  : { status: reply.status ?? 0, ...(reply.stderr === undefined ? {} : { stderrTail: reply.stderr }) },
            );
          if (stdout.readableEnded || aborted) finish();
          else stdout.once('end', finish).once('close', finish);
        });
      });
      return {
        stdin,
        stdout,
        done,
        abort: () => {
          aborted = true;
          stdout.destroy();
        },
        // Its stderr is only ever a tail (never printed): nothing is held.
        releaseStderr: () => undefined,
      };
    },
    async close() {},
  };
}
