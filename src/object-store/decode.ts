// Decoding a stored object by its key's suffix (barman-cloud's only label for the compression).

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecompressor } from '../codec/codecs.js';
import type { Compression } from '../codec/stored.js';

/** The decoder stages for `compression` ([] when stored plain). */
export const decodersFor = (compression: Compression | 'none') => (compression === 'none' ? [] : [createDecompressor(compression)]);

/** A whole object's WAL bytes (objects are segments: at most 1 GiB, usually 16 MiB). */
export async function decodeBuffer(data: Buffer, compression: Compression | 'none'): Promise<Buffer> {
  if (compression === 'none') return data;
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([data]), createDecompressor(compression), async (stream: AsyncIterable<Buffer>) => {
    for await (const chunk of stream) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}
