// Reads the first bytes of a stored WAL file as PostgreSQL wrote them, decompressing when the
// archive keeps it compressed, so --peek can learn the segment size from the long page header.

import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createDecompressor } from '../codec/codecs.js';
import { detectCompression, MAGIC_LENGTH } from '../codec/detect.js';
import { readSegmentHeader, LONG_HEADER_SIZE } from '../wal/header.js';

/** Collects `length` bytes from a stream, then stops it; fewer if the stream ends first. */
async function takeBytes(stream: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= length) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/** The first `length` uncompressed bytes of `path`; undefined when unreadable or undecodable. */
export async function readStoredHead(path: string, length = LONG_HEADER_SIZE): Promise<Buffer | undefined> {
  try {
    const handle = await open(path, 'r');
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(MAGIC_LENGTH), 0, MAGIC_LENGTH, 0);
    const format = detectCompression(buffer.subarray(0, bytesRead));
    const raw = handle.createReadStream({ start: 0, autoClose: true });
    if (format === 'none') return await takeBytes(raw, length);
    const decoder = createDecompressor(format);
    raw.pipe(decoder);
    // A decoder we stop early complains about the cut input; the bytes we took are what matters.
    decoder.on('error', () => undefined);
    raw.on('error', () => undefined);
    const head = await takeBytes(decoder, length);
    raw.destroy();
    return head;
  } catch {
    return undefined;
  }
}

/** The segment size recorded in the stored file's long page header, if it has one. */
export async function storedSegmentSize(path: string): Promise<number | undefined> {
  const head = await readStoredHead(path);
  return head === undefined ? undefined : readSegmentHeader(head)?.segmentSize;
}
