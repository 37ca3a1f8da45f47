// The remote's stderr as both transports hand it on: forwarded live to ours (the user and
// PostgreSQL's log see Barman's own words), with its last few KiB kept, because a client tells
// Barman's "not in the archive" from every other failure by the exact line there (remote-exit.ts).
// After abort() nothing more is forwarded: what a command says once we stopped it (a broken pipe,
// "The operation was aborted") is a consequence of our own error, which is the one to print.

import { Writable } from 'node:stream';

/** Enough for Barman's last ERROR lines; a remote that prints megabytes never costs more memory. */
export const STDERR_TAIL_BYTES = 4096;

export interface StderrTee {
  /** Where the remote's stderr goes: recorded, and forwarded to ours unless muted. */
  readonly writable: Writable;
  /** Stops forwarding (the command was aborted by us); recording goes on. */
  mute(): void;
  /** The complete lines among the last STDERR_TAIL_BYTES; undefined when the remote printed nothing. */
  tail(): string | undefined;
}

export function teeStderr(target: Writable, limit = STDERR_TAIL_BYTES): StderrTee {
  let kept = Buffer.alloc(0);
  let cut = false;
  let muted = false;
  const record = (chunk: Buffer): void => {
    kept = Buffer.concat([kept, chunk]);
    if (kept.length > limit) {
      kept = kept.subarray(kept.length - limit);
      cut = true;
    }
  };
  const writable = new Writable({
    write(chunk: Buffer | string, encoding, callback) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      record(bytes);
      // Our own stderr never applies backpressure to the remote: stderr is a few lines.
      if (!muted) target.write(bytes);
      callback();
    },
  });
  return {
    writable,
    mute: () => {
      muted = true;
    },
    tail: () => {
      if (kept.length === 0) return undefined;
      const text = kept.toString('utf8');
      // A line cut at the front could end like a line it is not ("xERROR: Unknown server 'a'").
      if (!cut) return text;
      const firstBreak = text.indexOf('\n');
      return firstBreak < 0 ? '' : text.slice(firstBreak + 1);
    },
  };
}

/** RemoteExit carries stderrTail only when the remote printed something. */
export const withTail = (tail: string | undefined): { stderrTail?: string } => (tail === undefined ? {} : { stderrTail: tail });
