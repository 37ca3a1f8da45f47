// Converting stored bytes to the requested output, and reading the header of a stored file.
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { conversionStages, sendToDirectory, sendToStream } from '../../../src/get-wal/send.js';
import { storedSegmentSize } from '../../../src/get-wal/stored-head.js';
import { requireWalName } from '../../../src/wal/name.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';

const bzip2 = (bytes: Buffer): Buffer => execFileSync('bzip2', ['-c'], { input: bytes, maxBuffer: 64 * MiB });
const bunzip2 = (bytes: Buffer): Buffer => execFileSync('bzip2', ['-dc'], { input: bytes, maxBuffer: 64 * MiB });

const wal = requireWalName('000000010000000000000003');
const segment = makeSegment('000000010000000000000003', { size: 1 * MiB });
let dir = '';
const stored: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'walship-send-'));
  for (const [kind, bytes] of [['plain', segment], ['gzip', gzipSync(segment)], ['bzip2', bzip2(segment)]] as const) {
    stored[kind] = join(dir, `stored-${kind}`);
    await writeFile(stored[kind]!, bytes);
  }
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

describe('storedSegmentSize', () => {
  it.each(['plain', 'gzip', 'bzip2'])('reads the segment size from a %s-stored segment', async (kind) => {
    expect(await storedSegmentSize(stored[kind]!, wal)).toBe(1 * MiB);
  });

  it('is undefined when the header belongs to another segment', async () => {
    expect(await storedSegmentSize(stored['plain']!, requireWalName('000000010000000000000004'))).toBeUndefined();
  });

  it('is undefined for a file without a long page header', async () => {
    const junk = join(dir, 'junk');
    await writeFile(junk, Buffer.alloc(100, 7));
    expect(await storedSegmentSize(junk, wal)).toBeUndefined();
  });

  it('is undefined for a corrupt gzip file', async () => {
    const corrupt = join(dir, 'corrupt');
    await writeFile(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(200, 0xee)]));
    expect(await storedSegmentSize(corrupt, wal)).toBeUndefined();
  });
});
