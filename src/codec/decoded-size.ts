// The decoded head and length of a stored (possibly compressed) file in one pass, for checks that
// need both: put-wal's "is this compressed member a complete segment" needs the page header and
// whether the decoded length is the header's segment size.

import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createDecompressor } from './codecs.js';
import { readStoredFormat } from './stored.js';

export interface DecodedMeasure {
  /** The first decoded bytes, up to the length asked for. */
  head: Buffer;
  /** The decoded length, or `limit + 1` when decoding was stopped past `limit`. */
  size: number;
}

/**
 * Decodes `path` (by its magic number, plain files pass through) counting bytes. Stops as soon as
 * more than `limit` bytes came out: a small member that inflates without end is not read to its end.
 * A corrupt or cut stream rejects with the decoder's error.
 */
export async function measureDecoded(path: string, headLength: number, limit: number): Promise<DecodedMeasure> {
  const format = await readStoredFormat(path);
  const stages = format === 'none' ? [] : [createDecompressor(format)];
  const head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  let past = false;
  const count = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of chunks) {
      if (headBytes < headLength) {
        head.push(chunk.subarray(0, headLength - headBytes));
        headBytes += Math.min(chunk.length, headLength - headBytes);
      }
      size += chunk.length;
      if (size > limit) {
        past = true;
        throw new Error('decoded data past the limit');
      }
    }
  };
  try {
    // pipeline's overloads cannot type a variable number of stages.
    await (pipeline as (...streams: unknown[]) => Promise<void>)(createReadStream(path), ...stages, count);
  } catch (error) {
    // Checked by flag, not by the error: with a Transform stage in between, pipeline may report an
    // AbortError instead of the sink's own error (nodejs/node#62089).
    if (!past) throw error;
    size = limit + 1;
  }
  return { head: Buffer.concat(head), size };
}
