// Decides whether two stored WAL files hold the same WAL. Byte-identical files are the same; a
// compressed copy is compared by its decompressed bytes, so re-archiving a segment with another
// compression setting is recognised as the identical duplicate it is.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readStoredFormat } from '../wal/read-head.js';
import type { Readable } from 'node:stream';
import { createDecompressor } from '../codec/codecs.js';
import type { StoredFormat } from '../codec/detect.js';


/** The file's WAL bytes: decoded when it is stored compressed. */
export function openDecoded(path: string, format: StoredFormat): Readable {
  const raw = createReadStream(path);
  return format === 'none' ? raw : raw.pipe(createDecompressor(format));
}

export async function sameWalContent(a: string, b: string): Promise<boolean> {
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
