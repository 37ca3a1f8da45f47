// The writable get-wal's send code streams into during a serve GET: it cuts the bytes into DATA
// frames on the session's stdout and keeps the size and sha256 that END reports, so the client can
// tell a complete answer from a cut one without trusting the frame count.

import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { encodeFrame, FRAME, MAX_PAYLOAD_BYTES } from '../wire/frames.js';

export interface FramingWriter {
  readonly writable: Writable;
  /** What went out so far: the END frame's content. */
  summary(): { size: number; sha256: string };
}

export function framingWriter(out: Writable, id: number): FramingWriter {
  const hash = createHash('sha256');
  let size = 0;
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      let flowing = true;
      for (let at = 0; at < chunk.length; at += MAX_PAYLOAD_BYTES) {
        flowing = out.write(encodeFrame(FRAME.DATA, id, chunk.subarray(at, at + MAX_PAYLOAD_BYTES)));
      }
      // Backpressure from ssh's pipe: the file is read no faster than the client takes it.
      if (flowing) return callback();
      const onError = (error: Error): void => {
        out.off('drain', onDrain);
        callback(error);
      };
      const onDrain = (): void => {
        out.off('error', onError);
        callback();
      };
      out.once('drain', onDrain);
      out.once('error', onError);
    },
  });
  return { writable, summary: () => ({ size, sha256: hash.digest('hex') }) };
}
