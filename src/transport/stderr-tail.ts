// The remote's stderr as both transports hand it on: forwarded live to ours (the user and
// PostgreSQL's log see Barman's own words), with its last few KiB kept, because a client tells
// Barman's "not in the archive" from every other failure by the exact line there (remote-exit.ts).
// A caller may instead have it held back until the exit is known and then decide: a routine "not in
// the archive" probe need not put Barman's `ERROR:` line into PostgreSQL's log (issue 10).
// After abort() nothing more is forwarded: what a command says once we stopped it (a broken pipe,
// "The operation was aborted") is a consequence of our own error, which is the one to print.

import { Writable } from 'node:stream';

/** Enough for Barman's last ERROR lines; a remote that prints megabytes never costs more memory. */
export const STDERR_TAIL_BYTES = 4096;
/** What a held stderr may buffer; beyond it the answer is no routine probe, so it goes out live. */
export const STDERR_HOLD_BYTES = 64 * 1024;

export interface StderrTee {
  /** Where the remote's stderr goes: recorded, and forwarded to ours unless muted or held. */
  readonly writable: Writable;
  /** Stops forwarding (the command was aborted by us); what was held until now is printed first. */
  mute(): void;
  /** The complete lines among the last STDERR_TAIL_BYTES; undefined when the remote printed nothing. */
  tail(): string | undefined;
  /** Ends holding: print what was held (show) or drop it; later bytes are forwarded live. */
  release(show: boolean): void;
}

export interface TeeOptions {
  limit?: number;
  /** Hold the output back (up to STDERR_HOLD_BYTES) until release(). */
  hold?: boolean;
}

export function teeStderr(target: Writable, options: TeeOptions = {}): StderrTee {
  const limit = options.limit ?? STDERR_TAIL_BYTES;
  let kept = Buffer.alloc(0);
  let cut = false;
  let muted = false;
  let held: Buffer[] | undefined = options.hold ? [] : undefined;
  let heldBytes = 0;
  const record = (chunk: Buffer): void => {
    kept = Buffer.concat([kept, chunk]);
    if (kept.length > limit) {
      kept = kept.subarray(kept.length - limit);
      cut = true;
    }
  };
  const release = (show: boolean): void => {
    const pending = held;
    held = undefined;
    if (show && pending !== undefined && !muted) for (const chunk of pending) target.write(chunk);
  };
  const forward = (bytes: Buffer): void => {
    if (muted) return;
    if (held === undefined) return void target.write(bytes);
    held.push(bytes);
    heldBytes += bytes.length;
    // Bounded: a remote this talkative is not answering a routine probe; show everything, live.
    if (heldBytes > STDERR_HOLD_BYTES) release(true);
  };
  const writable = new Writable({
    write(chunk: Buffer | string, encoding, callback) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      record(bytes);
      // Our own stderr never applies backpressure to the remote: stderr is a few lines.
      forward(bytes);
      callback();
    },
  });
  return {
    writable,
    mute: () => {
      // Said before we stopped it: the remote's own words, shown as they would have been live.
      release(true);
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
    release,
  };
}

/** RemoteExit carries stderrTail only when the remote printed something. */
export const withTail = (tail: string | undefined): { stderrTail?: string } => (tail === undefined ? {} : { stderrTail: tail });
