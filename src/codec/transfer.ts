// Decoding what get-wal sent on the client side: gzip through zlib, bzip2 through the fastest
// decoder there is, and for --keep-compression whatever the magic bytes say the archive stored.

import { Transform, type Duplex } from 'node:stream';
import { createDecompressor, type TransferCompression } from './codecs.js';
import { detectCompression, MAGIC_LENGTH } from './stored.js';

/** What a get-wal call asks for: plain bytes, gzip, bzip2, or the stored bytes untouched. */
export type TransferFormat = 'plain' | TransferCompression | 'keep';

export function transferDecoders(format: TransferFormat): Duplex[] {
  switch (format) {
    case 'plain':
      return [];
    case 'gzip':
    case 'bzip2':
      return [createDecompressor(format)];
    case 'keep':
      return [sniffingDecoder()];
  }
}

/**
 * Holds back the first bytes until the format is known, then passes bytes through or feeds them to
 * the matching decoder. An empty or tiny stream is passed on as it is: the segment check rejects it.
 */
export function sniffingDecoder(): Transform {
  let head: Buffer[] = [];
  let headLength = 0;
  let inner: Duplex | undefined;
  let decided = false;

  const stage: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (decided) return forward(chunk, callback);
      head.push(chunk);
      headLength += chunk.length;
      if (headLength < MAGIC_LENGTH) return callback();
      decide();
      forward(Buffer.concat(head), callback);
      head = [];
    },
    flush(callback) {
      if (!decided) {
        decide();
        if (headLength > 0) return forward(Buffer.concat(head), () => finish(callback));
      }
      finish(callback);
    },
  });

  const decide = (): void => {
    decided = true;
    const format = detectCompression(Buffer.concat(head));
    if (format === 'none') return;
    inner = createDecompressor(format);
    inner.on('data', (data: Buffer) => stage.push(data));
    inner.on('error', (error: Error) => stage.destroy(error));
  };
  const forward = (chunk: Buffer, callback: (error?: Error | null) => void): void => {
    if (!inner) {
      stage.push(chunk);
      return callback();
    }
    inner.write(chunk, (error) => callback(error ?? null));
  };
  const finish = (callback: (error?: Error | null) => void): void => {
    if (!inner) return callback();
    inner.once('end', () => callback());
    inner.end();
  };
  return stage;
}
