// --keep-compression: the client recognises what the archive stored from the first bytes.
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sniffingDecoder } from '../../../src/codec/transfer.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';

const segment = makeSegment('000000010000000000000007', { size: MiB });

async function decode(bytes: Buffer, chunkSize: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) pieces.push(bytes.subarray(i, i + chunkSize));
  await pipeline(Readable.from(pieces), sniffingDecoder(), async (out: AsyncIterable<Buffer>) => {
    for await (const chunk of out) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

describe('sniffingDecoder', () => {
  it.each([
    ['plain', segment],
    ['gzip', gzipSync(segment)],
    ['bzip2', execFileSync('bzip2', ['-c'], { input: segment, maxBuffer: 8 * MiB })],
  ])('decodes %s bytes, whether they arrive in 3-byte or 64 KiB pieces', async (_kind, bytes) => {
    expect((await decode(bytes, 3 * 1024 + 3)).equals(segment)).toBe(true);
    expect((await decode(bytes, 65536)).equals(segment)).toBe(true);
  });

  it('passes a stream shorter than the magic through unchanged', async () => {
    expect((await decode(Buffer.from('abc'), 1)).toString()).toBe('abc');
    expect((await decode(Buffer.alloc(0), 1)).length).toBe(0);
  });

  it('fails on a corrupt gzip stream', async () => {
    const corrupt = gzipSync(segment);
    corrupt.fill(0x55, 50, 900);
    await expect(decode(corrupt, 4096)).rejects.toThrow();
  });
});
