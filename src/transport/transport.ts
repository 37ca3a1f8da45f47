// How a client reaches the archive host: run `barman ARGS...` there with our bytes on its stdin
// and its stdout as a stream. OpenSSH and the in-process local transport implement it.

import type { Readable, Writable } from 'node:stream';

/**
 * How a remote command ended: its exit status, or (status undefined) a transport failure such as
 * OpenSSH's exit 255, which is not the remote's answer. remote-exit.ts turns either into an error.
 */
export type RemoteExit = { status: number; transportError?: undefined } | { status: undefined; transportError: string };

export interface RemoteCommand {
  /** Bytes for the remote command's stdin; end it to signal EOF. */
  readonly stdin: Writable;
  /** The remote command's stdout (WAL bytes for get-wal, nothing else). */
  readonly stdout: Readable;
  /** Resolves once the command has exited AND its stdout has ended (both are needed to trust the bytes). */
  readonly done: Promise<RemoteExit>;
  /** Ends the command early (e.g. the local side failed); `done` still resolves. */
  abort(): void;
}

export interface Transport {
  /** A label for messages, e.g. `barman@backup` or `local`. */
  readonly label: string;
  /**
   * Runs `barman <args>` on the archive host. Remote stderr lines are forwarded to our stderr.
   * Never throws for remote failures: they arrive through `done`.
   */
  run(args: readonly string[]): RemoteCommand;
  /** Releases shared resources (a reused connection); safe to call more than once. */
  close(): Promise<void>;
}
