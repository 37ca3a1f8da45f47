// WAL files as the archive stores them: plain, or compressed under the plain WAL name (Barman keeps
// no other label, so the magic number decides). Sniffing, decoding and comparing live here only.

import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createDecompressor } from './codecs.js';

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'lz4' | 'snappy';
export type StoredFormat = Compression | 'none';

/** How many leading bytes detectCompression needs. */
export const MAGIC_LENGTH = 10;

const MAGICS: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  // python-snappy's framed stream: stream identifier chunk "\xff\x06\x00\x00sNaPpY"
  ['snappy', [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]],
];

export function detectCompression(head: Buffer): StoredFormat {
  // bzip2: "BZh" then a block size digit 1-9
  if (head.length >= 4 && head.toString('latin1', 0, 3) === 'BZh' && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  for (const [kind, magic] of MAGICS) {
    if (head.length >= magic.length && magic.every((byte, i) => head[i] === byte)) return kind;
  }
  return 'none';
}

/** Up to `length` bytes from offset 0 (fewer if the file is shorter), by path or from an open file. */
export async function readFileHead(source: string | FileHandle, length: number): Promise<Buffer> {
  const handle = typeof source === 'string' ? await open(source, 'r') : source;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    if (typeof source === 'string') await handle.close();
  }
}

/** How the file is stored: compressed (by its magic number) or plain. */
export const readStoredFormat = async (source: string | FileHandle): Promise<StoredFormat> =>
  detectCompression(await readFileHead(source, MAGIC_LENGTH));

/** The file's WAL bytes: decoded when it is stored compressed. */
export function openDecoded(path: string, format: StoredFormat): Readable {
  const raw = createReadStream(path);
  return format === 'none' ? raw : raw.pipe(createDecompressor(format));
}

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

/** The first `length` decoded bytes of `path`; undefined when unreadable or undecodable. */
export async function readStoredHead(path: string, length: number): Promise<Buffer | undefined> {
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
 * Do two stored files hold the same WAL? Compared after decoding, so a segment archived again with
 * another compression setting is recognised as the identical duplicate it is.
 */
export async function sameStoredContent(a: string, b: string): Promise<boolean> {
  const [formatA, formatB] = await Promise.all([readStoredFormat(a), readStoredFormat(b)]);
  if (formatA === 'none' && formatB === 'none') {
    const [statA, statB] = await Promise.all([stat(a), stat(b)]);
    if (statA.size !== statB.size) return false;
  }
  return streamsEqual(openDecoded(a, formatA), openDecoded(b, formatB));
}

/** Compares two byte streams without holding either in memory. */
export async function streamsEqual(left: Readable, right: Readable): Promise<boolean> {
  const a = left[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const b = right[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let bufA: Buffer = Buffer.alloc(0);
  let bufB: Buffer = Buffer.alloc(0);
  let endA = false;
  let endB = false;
  try {
    for (;;) {
      if (bufA.length === 0 && !endA) ({ buf: bufA, end: endA } = await pull(a));
      if (bufB.length === 0 && !endB) ({ buf: bufB, end: endB } = await pull(b));
      if (bufA.length === 0 || bufB.length === 0) return bufA.length === 0 && bufB.length === 0 && endA && endB;
      const n = Math.min(bufA.length, bufB.length);
      if (!bufA.subarray(0, n).equals(bufB.subarray(0, n))) return false;
      bufA = bufA.subarray(n);
      bufB = bufB.subarray(n);
    }
  } finally {
    left.destroy();
    right.destroy();
  }
}

async function pull(it: AsyncIterator<Buffer>): Promise<{ buf: Buffer; end: boolean }> {
  const next = await it.next();
  return next.done ? { buf: Buffer.alloc(0), end: true } : { buf: next.value, end: false };
}
