// Reads the first bytes of a stored WAL file as PostgreSQL wrote them, decompressing when the
// archive keeps it compressed, so --peek can learn the segment size from the long page header.

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createDecompressor } from '../codec/codecs.js';
import { checkSegment, readSegmentHeader, LONG_HEADER_SIZE } from '../wal/header.js';
import type { WalName } from '../wal/name.js';
import { readStoredFormat } from '../wal/read-head.js';

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
    const format = await readStoredFormat(path);
    const raw = createReadStream(path);
    if (format === 'none') return await takeBytes(raw, length);
    raw.on('error', () => undefined);
    try {
      const decoder = createDecompressor(format);
      // A decoder we stop early complains about the cut input; the bytes we took are what matters.
      decoder.on('error', () => undefined);
      return await takeBytes(raw.pipe(decoder), length);
    } finally {
      raw.destroy();
    }
  } catch {
    return undefined;
  }
}

/**
 * The segment size recorded in the stored file's long page header, trusted only when the rest of
 * the header (magic, page address, timeline) says the file is the segment `wal` names.
 */
export async function storedSegmentSize(path: string, wal: WalName): Promise<number | undefined> {
  const head = await readStoredHead(path);
  const header = head === undefined ? undefined : readSegmentHeader(head);
  if (head === undefined || header === undefined) return undefined;
  const check = checkSegment(wal, head, header.segmentSize);
  return check.ok ? check.header.segmentSize : undefined;
}
