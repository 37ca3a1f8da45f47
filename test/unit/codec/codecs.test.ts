import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createCompressor, createDecompressor } from '../../../src/codec/codecs.js';
import { detectCompression } from '../../../src/codec/stored.js';

async function through(input: Buffer, stage: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([input]), stage, async (out: AsyncIterable<Buffer | string>) => {
    for await (const chunk of out) chunks.push(Buffer.from(chunk));
  });
  return Buffer.concat(chunks);
}

/** WAL-like data: compressible but not trivial. */
const sample = Buffer.concat(Array.from({ length: 2048 }, (_, i) => Buffer.from(`record ${i} ${'x'.repeat(i % 97)}\n`)));

function referenceCheck(program: string, data: Buffer): number | null {
  const file = join(mkdtempSync(join(tmpdir(), 'walship-codec-')), 'f');
  writeFileSync(file, data);
  return spawnSync(program, ['-t', file]).status;
}

describe('compression stages', () => {
  it('produces gzip that the gzip program accepts and that round-trips', async () => {
    const packed = await through(sample, createCompressor('gzip', 6));
    expect(detectCompression(packed)).toBe('gzip');
    expect(referenceCheck('gzip', packed)).toBe(0);
    expect((await through(packed, createDecompressor('gzip'))).equals(sample)).toBe(true);
  });

  it('produces bzip2 (with the bzip2 program) that bzip2 -t accepts and that round-trips', async () => {
    const packed = await through(sample, createCompressor('bzip2', 9));
    expect(detectCompression(packed)).toBe('bzip2');
    expect(referenceCheck('bzip2', packed)).toBe(0);
    expect((await through(packed, createDecompressor('bzip2'))).equals(sample)).toBe(true);
  });

  it('decodes bzip2 with the JavaScript decoder when the program is missing', async () => {
    const packed = spawnSync('bzip2', ['-c'], { input: sample }).stdout;
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const stage = createDecompressor('bzip2');
      process.env.PATH = saved;
      expect((await through(packed, stage)).equals(sample)).toBe(true);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('decodes zstd through the zstd program', async () => {
    const packed = spawnSync('zstd', ['-c', '-q'], { input: sample }).stdout;
    expect(detectCompression(packed)).toBe('zstd');
    expect((await through(packed, createDecompressor('zstd'))).equals(sample)).toBe(true);
  });

  it('fails on a corrupt bzip2 stream instead of returning short data', async () => {
    const packed = spawnSync('bzip2', ['-c'], { input: sample }).stdout;
    const corrupt = packed.subarray(0, Math.floor(packed.length / 2));
    await expect(through(corrupt, createDecompressor('bzip2'))).rejects.toThrow(/bzip2 decompression failed/);
  });

  it('fails on a corrupt gzip stream', async () => {
    const packed = await through(sample, createCompressor('gzip'));
    await expect(through(packed.subarray(0, packed.length - 20), createDecompressor('gzip'))).rejects.toThrow();
  });

  it('says clearly that snappy is not supported', () => {
    expect(() => createDecompressor('snappy')).toThrow('snappy-compressed WAL files are not supported by walship');
  });

  it('refuses compression levels outside 1-9', () => {
    expect(() => createCompressor('gzip', 0)).toThrow('compression level 0 is not between 1 and 9');
  });
});
