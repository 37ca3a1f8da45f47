// The local transport: runs walship-server's put-wal/get-wal in this process against a local Barman
// configuration, with no ssh and no child process. Chosen explicitly (--transport local).

import { PassThrough, type Writable } from 'node:stream';
import { teeStderr, withTail } from './stderr-tail.js';
import type { RemoteCommand, RemoteExit, RunOptions, Transport } from './transport.js';

/**
 * An in-process far end. `signal`, when given, aborts when the client aborts the command: the far
 * end's own requests (an object store's) must then end too, as a killed ssh ends the remote's
 * session, rather than run on behind the client's back. A far end that does no waiting of its own
 * may ignore it: its stdin and stdout are destroyed as well.
 */
export type ServerEntry = (argv: string[], io: { stdin: PassThrough; stdout: PassThrough; stderr: Writable; env: NodeJS.ProcessEnv; signal?: AbortSignal }) => Promise<number>;

/** How an in-process far end is named in messages: `local`, or the bucket an s3:// target names. */
export interface LocalTransportNaming {
  label: string;
  /** Prefix of the transport error when the far end could not be reached at all. */
  failure: string;
}

const LOCAL: LocalTransportNaming = { label: 'local', failure: 'local server failed' };

export function localTransport(stderr: Writable, env: NodeJS.ProcessEnv, loadServer: () => Promise<ServerEntry>, naming: LocalTransportNaming = LOCAL): Transport {
  return {
    label: naming.label,
    run(args, options: RunOptions = {}) {
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      const aborted = new AbortController();
      // The server writes its ERROR lines here as a remote barman would on ssh's stderr.
      const serverStderr = teeStderr(stderr, { hold: options.holdStderr === true });
      const done: Promise<RemoteExit> = loadServer()
        .then((server) => server([...args], { stdin, stdout, stderr: serverStderr.writable, env, signal: aborted.signal }))
        .then((status): RemoteExit => ({ status, ...withTail(serverStderr.tail()) }))
        .catch((error: unknown): RemoteExit => ({ status: undefined, transportError: `${naming.failure}: ${(error as Error).message}` }))
        .finally(() => {
          if (!stdout.destroyed) stdout.end();
          // Drain what the server did not read so the client's writes never block forever.
          stdin.resume();
        });
      const command: RemoteCommand = {
        stdin,
        stdout,
        done,
        abort: () => {
          // Like killing ssh: the server's sending fails (AbortError) and it must not say so on
          // our stderr before our own error; then stop its input and output.
          serverStderr.mute();
          // The signal first: a request of the far end then fails as cancelled (a transport failure), not on a destroyed stdout.
          aborted.abort();
          stdin.destroy();
          stdout.destroy();
        },
        releaseStderr: (show) => serverStderr.release(show),
      };
      return command;
    },
    async close() {
      // nothing shared
    },
  };
}
