// How a client reaches the archive host: run `barman ARGS...` there with our bytes on its stdin
// and its stdout as a stream. OpenSSH and the in-process local transport implement it.

import type { Readable, Writable } from 'node:stream';

/**
 * How a remote command ended: its exit status, or (status undefined) a transport failure such as
 * OpenSSH's exit 255, which is not the remote's answer. remote-exit.ts turns either into an error.
 * `stderrTail` is the end of what the remote printed on stderr (bounded, see stderr-tail.ts;
 * absent when it printed nothing): Barman exits 1 for "not found" and for many real failures
 * alike, and only its ERROR line tells them apart.
 */
export type RemoteExit =
  | { status: number; transportError?: undefined; stderrTail?: string }
  | { status: undefined; transportError: string; stderrTail?: string };

export interface RemoteCommand {
  /** Bytes for the remote command's stdin; end it to signal EOF. */
  readonly stdin: Writable;
  /** The remote command's stdout (WAL bytes for get-wal, nothing else). */
  readonly stdout: Readable;
  /** Resolves once the command has exited AND its stdout has ended (both are needed to trust the bytes). */
  readonly done: Promise<RemoteExit>;
  /**
   * Ends the command early (e.g. the local side failed); `done` still resolves. From then on the
   * remote's stderr is no longer forwarded: its complaints are consequences of ours.
   */
  abort(): void;
  /**
   * Only for a command run with `holdStderr`: ends the hold once the caller has read the exit,
   * printing what the remote said (show) or dropping it. Otherwise (and when called twice) a no-op.
   */
  releaseStderr(show: boolean): void;
}

export interface RunOptions {
  /**
   * Hold the remote's stderr back (bounded, see stderr-tail.ts) until releaseStderr(): the caller
   * decides after the exit whether a routine answer is worth PostgreSQL's log. The tail in `done`
   * is recorded either way.
   */
  holdStderr?: boolean;
}

export interface Transport {
  /** A label for messages, e.g. `barman@backup` or `local`. */
  readonly label: string;
  /**
   * Runs `barman <args>` on the archive host. Remote stderr lines are forwarded to our stderr (or
   * held, see RunOptions), and their tail comes back in `done` (RemoteExit.stderrTail).
   * Never throws for remote failures: they arrive through `done`.
   */
  run(args: readonly string[], options?: RunOptions): RemoteCommand;
  /** Releases shared resources (a reused connection); safe to call more than once. */
  close(): Promise<void>;
}
