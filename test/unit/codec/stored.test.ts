// Stored WAL files: the magic number names the compression; files compare by their decoded bytes.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectCompression, readStoredFormat, readStoredHead, sameStoredContent } from '../../../src/codec/stored.js';

describe('detectCompression', () => {
  it.each([
    [[0x1f, 0x8b, 8], 'gzip'],
    [[0x42, 0x5a, 0x68, 0x39], 'bzip2'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
    [[0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
    [[0x04, 0x22, 0x4d, 0x18], 'lz4'],
    [[0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59], 'snappy'],
    [[0x10, 0xd1, 0x06, 0x00], 'none'],
    [[0x42, 0x5a, 0x68, 0x30], 'none'],
  ])('recognises %j as %s', (bytes, kind) => {
    expect(detectCompression(Buffer.from(bytes))).toBe(kind);
  });
});

describe('a stored file', () => {
  const bytes = Buffer.from('WAL bytes, '.repeat(1000));
  const store = async (name: string, content: Buffer): Promise<string> => {
    const path = join(await mkdtemp(join(tmpdir(), 'walship-stored-')), name);
    await writeFile(path, content);
    return path;
  };

  it('is read by its magic number and decoded when compressed', async () => {
    const gz = await store('gz', gzipSync(bytes));
    expect(await readStoredFormat(gz)).toBe('gzip');
    expect((await readStoredHead(gz, 9))?.toString()).toBe('WAL bytes');
  });

  it('is the same WAL as a differently compressed copy of the same bytes, and not as other bytes', async () => {
    const plain = await store('plain', bytes);
    const gz = await store('gz', gzipSync(bytes));
    const other = await store('other', Buffer.concat([bytes.subarray(1), Buffer.from('!')]));
    expect(await sameStoredContent(plain, gz)).toBe(true);
    expect(await sameStoredContent(gz, other)).toBe(false);
    expect(await sameStoredContent(plain, other)).toBe(false);
  });
});
