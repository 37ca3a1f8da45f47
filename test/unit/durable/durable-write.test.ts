import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { discardTemp, isTempName, publishNoClobber, writeFileDurably, writeTempFile } from '../../../src/durable/durable-write.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'walship-durable-'));

describe('durable writes: temp → fsync → rename/link → fsync dir', () => {
  it('writes the whole file under its final name and leaves no temp behind', async () => {
    const dir = tempDir();
    const size = await writeFileDurably(join(dir, 'final'), Readable.from([Buffer.from('abc'), Buffer.from('def')]));
    expect(size).toBe(6);
    expect(readFileSync(join(dir, 'final'), 'utf8')).toBe('abcdef');
    expect(readdirSync(dir)).toEqual(['final']);
  });

  it('keeps the file out of sight under a temp name until it is published', async () => {
    const dir = tempDir();
    const temp = await writeTempFile(join(dir, 'x'), Buffer.from('data'));
    expect(readdirSync(dir)).toHaveLength(1);
    expect(isTempName(readdirSync(dir)[0] as string)).toBe(true);
    await discardTemp(temp);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the temp file when the source fails midway', async () => {
    const dir = tempDir();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('connection lost'));
      },
    });
    await expect(writeFileDurably(join(dir, 'x'), failing)).rejects.toThrow('connection lost');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('runs the bytes through the given stages', async () => {
    const dir = tempDir();
    const upper = new Transform({ transform: (chunk: Buffer, _e, done) => done(null, Buffer.from(chunk.toString().toUpperCase())) });
    await writeFileDurably(join(dir, 'x'), Buffer.from('abc'), { stages: [upper] });
    expect(readFileSync(join(dir, 'x'), 'utf8')).toBe('ABC');
  });

  it('never replaces an existing file when publishing without clobbering', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x'), 'original');
    const temp = await writeTempFile(join(dir, 'x'), Buffer.from('new'));
    expect(await publishNoClobber(temp)).toBe('exists');
    expect(readFileSync(join(dir, 'x'), 'utf8')).toBe('original');
    await discardTemp(temp);
    const fresh = await writeTempFile(join(dir, 'y'), Buffer.from('new'));
    expect(await publishNoClobber(fresh)).toBe('published');
    expect(readdirSync(dir).sort()).toEqual(['x', 'y']);
  });
});
