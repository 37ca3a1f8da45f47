// Converting stored bytes to the requested output.
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { conversionStages, sendToDirectory, sendToStream } from '../../../src/get-wal/send.js';
import { storeThreeWays } from '../../fixtures/get-wal/stored.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';

const bunzip2 = (bytes: Buffer): Buffer => execFileSync('bzip2', ['-dc'], { input: bytes, maxBuffer: 64 * MiB });

const segment = makeSegment('000000010000000000000003', { size: 1 * MiB });
let stored: Record<string, string> = {};

beforeAll(async () => {
  ({ stored } = await storeThreeWays(segment, 'walship-send-'));
});

async function send(kind: string, output: 'plain' | 'gzip' | 'bzip2' | 'keep'): Promise<Buffer> {
  const handle = await open(stored[kind]!, 'r');
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  try {
    await sendToStream({ path: stored[kind]!, handle, size: 0 }, output, out);
  } finally {
    await handle.close();
  }
  return Buffer.concat(chunks);
}

describe('conversionStages', () => {
  it('passes bytes through when they are already in the requested format', () => {
    expect(conversionStages('none', 'plain')).toEqual([]);
    expect(conversionStages('gzip', 'gzip')).toEqual([]);
    expect(conversionStages('bzip2', 'bzip2')).toEqual([]);
    expect(conversionStages('xz', 'keep')).toEqual([]);
  });

  it('decompresses then compresses when the formats differ', () => {
    expect(conversionStages('gzip', 'bzip2')).toHaveLength(2);
    expect(conversionStages('none', 'gzip')).toHaveLength(1);
    expect(conversionStages('bzip2', 'plain')).toHaveLength(1);
  });

  it('refuses snappy with a clear error unless the stored bytes are kept', () => {
    expect(() => conversionStages('snappy', 'plain')).toThrow(/snappy-compressed WAL files are not supported/);
    expect(conversionStages('snappy', 'keep')).toEqual([]);
  });
});

describe('sendToStream', () => {
  it.each(['plain', 'gzip', 'bzip2'])('sends a %s-stored segment as plain bytes', async (kind) => {
    expect((await send(kind, 'plain')).equals(segment)).toBe(true);
  });

  it('sends the stored gzip bytes unchanged when gzip is requested', async () => {
    expect((await send('gzip', 'gzip')).equals(await readFile(stored['gzip']!))).toBe(true);
  });

  it('gzips a bzip2-stored segment for -z', async () => {
    expect(gunzipSync(await send('bzip2', 'gzip')).equals(segment)).toBe(true);
  });

  it('bzip2-compresses a plain segment for -j', async () => {
    expect(bunzip2(await send('plain', 'bzip2')).equals(segment)).toBe(true);
  });

  it('sends the stored bytes as they are for --keep-compression', async () => {
    expect((await send('bzip2', 'keep')).equals(await readFile(stored['bzip2']!))).toBe(true);
  });
});

describe('sendToDirectory', () => {
  it('writes DIR/<name> with no temp file left beside it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'walship-send-out-'));
    const handle = await open(stored['gzip']!, 'r');
    await sendToDirectory({ path: stored['gzip']!, handle, size: 0 }, 'plain', out, '000000010000000000000003');
    await handle.close();
    expect(await readdir(out)).toEqual(['000000010000000000000003']);
    expect((await readFile(join(out, '000000010000000000000003'))).equals(segment)).toBe(true);
  });
});
