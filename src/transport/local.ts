// The local transport: runs walship-server's put-wal/get-wal in this process against a local Barman
// configuration, with no ssh and no child process. Chosen explicitly (--transport local).

import { PassThrough, type Writable } from 'node:stream';
import type { RemoteCommand, RemoteExit, Transport } from './transport.js';

export type ServerEntry = (argv: string[], io: { stdin: PassThrough; stdout: PassThrough; stderr: Writable; env: NodeJS.ProcessEnv }) => Promise<number>;

export function localTransport(stderr: Writable, env: NodeJS.ProcessEnv, loadServer: () => Promise<ServerEntry>): Transport {
  return {
    label: 'local',
    run(args) {
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      const done: Promise<RemoteExit> = loadServer()
        .then((server) => server([...args], { stdin, stdout, stderr, env }))
        .then((status) => ({ status }))
        .catch((error: unknown) => ({ status: undefined, transportError: `local server failed: ${(error as Error).message}` }))
        .finally(() => {
          stdout.end();
          // Drain what the server did not read so the client's writes never block forever.
          stdin.resume();
        });
      const command: RemoteCommand = {
        stdin,
        stdout,
        done,
        abort: () => {
          stdin.destroy();
        },
      };
      return command;
    },
    async close() {
      // nothing shared
    },
  };
}
