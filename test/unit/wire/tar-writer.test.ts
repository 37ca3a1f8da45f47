// packTar output checked byte by byte, by our reader, by GNU tar and by Python's tarfile (Barman's reader).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { TarFormatError } from '../../../src/errors.js';
import { readTar } from '../../../src/wire/tar-reader.js';
import { packTar, type TarMemberSource } from '../../../src/wire/tar-writer.js';

const WAL = '000000010000000000000001';
const walBytes = randomBytes(70_000); // not a multiple of 512, so padding is exercised
const sumsBytes = Buffer.from(`${'ab'.repeat(32)} *${WAL}\n`);
const LONG = `${'x'.repeat(150)}.history`; // over the 100-byte ustar name field: needs a pax path

const twoMembers = (): TarMemberSource[] => [
  { name: WAL, size: walBytes.length, mtime: 1_700_000_000.5, data: Readable.from([walBytes.subarray(0, 1000), walBytes.subarray(1000)]) },
  { name: 'SHA256SUMS', size: sumsBytes.length, mtime: 1_700_000_001, mode: 0o600, data: sumsBytes },
];

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Spawns argv (no shell), feeds `input`, and returns status and output. */
function spawnCapture(argv: string[], options: { input?: Buffer; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

const field = (block: Buffer, offset: number, length: number): string => block.toString('latin1', offset, offset + length);

let tempDir: string | undefined;
afterEach(() => {
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

describe('packTar', () => {
  it('writes a pax header with the exact mtime, a ustar header, padded data and two zero blocks', async () => {
    const tar = await collect(packTar(twoMembers()));
    const paxBody = '22 mtime=1700000000.5\n';
    const pax = tar.subarray(0, 512);
    expect(field(pax, 0, 38)).toBe(`./PaxHeaders/${WAL}\0`);
    expect(field(pax, 124, 12)).toBe(`${paxBody.length.toString(8).padStart(11, '0')}\0`);
    expect(field(pax, 156, 1)).toBe('x');
    expect(field(tar, 512, 512)).toBe(paxBody.padEnd(512, '\0'));

    const ustar = tar.subarray(1024, 1536);
    expect(field(ustar, 0, 25)).toBe(`${WAL}\0`);
    expect(field(ustar, 100, 8)).toBe('0000644\0');
    expect(field(ustar, 108, 16)).toBe('0000000\u00000000000\0');
    expect(field(ustar, 124, 12)).toBe('00000210560\0'); // 70000
    expect(field(ustar, 136, 12)).toBe(`${(1_700_000_000).toString(8)}\0`);
    expect(field(ustar, 156, 1)).toBe('0');
    expect(field(ustar, 257, 8)).toBe('ustar\u000000');
    expect(field(ustar, 265, 64)).toBe('\0'.repeat(64)); // empty uname and gname
    let sum = 0;
    for (let index = 0; index < 512; index += 1) sum += index >= 148 && index < 156 ? 32 : ustar[index]!;
    expect(field(ustar, 148, 8)).toBe(`${sum.toString(8).padStart(6, '0')}\0 `);

    expect(tar.subarray(1536, 1536 + 70_000).equals(walBytes)).toBe(true);
    const walEnd = 1536 + 70_144; // 70000 rounded up to 512
    expect(tar.subarray(1536 + 70_000, walEnd).every((byte) => byte === 0)).toBe(true);
    expect(field(tar, walEnd + 1024 + 100, 8)).toBe('0000600\0');
    expect(tar.subarray(walEnd + 1536, walEnd + 1536 + sumsBytes.length).equals(sumsBytes)).toBe(true);
    expect(tar.length).toBe(walEnd + 1536 + 512 + 1024);
    expect(tar.subarray(-1024).every((byte) => byte === 0)).toBe(true);
  });

  it('round-trips two members through readTar with exact bytes and headers', async () => {
    const seen: Array<{ header: unknown; data: Buffer }> = [];
    const result = await readTar(packTar(twoMembers()), async (header, data) => {
      seen.push({ header, data: await collect(data) });
    });
    expect(result.members).toBe(2);
    expect(seen.map((entry) => entry.header)).toEqual([
      { name: WAL, size: 70_000, mtime: 1_700_000_000.5, mode: 0o644, type: 'file' },
      { name: 'SHA256SUMS', size: sumsBytes.length, mtime: 1_700_000_001, mode: 0o600, type: 'file' },
    ]);
    expect(seen[0]!.data.equals(walBytes)).toBe(true);
    expect(seen[1]!.data.equals(sumsBytes)).toBe(true);
  });

  it('is listed by GNU tar -tvf and extracted by tar -xf with exact bytes, modes and mtimes', async () => {
    const members = [...twoMembers(), { name: LONG, size: 3, mtime: 1_700_000_002, data: Buffer.from('abc') }];
    const tar = await collect(packTar(members));
    const listing = await spawnCapture(['/usr/bin/tar', '-tvf', '-'], { input: tar });
    expect(listing).toMatchObject({ code: 0, stderr: '' });
    expect(listing.stdout.trim().split('\n').map((line) => line.replace(/ +/g, ' '))).toEqual([
      `-rw-r--r-- 0/0 70000 2023-11-14 22:13 ${WAL}`,
      `-rw------- 0/0 ${sumsBytes.length} 2023-11-14 22:13 SHA256SUMS`,
      `-rw-r--r-- 0/0 3 2023-11-14 22:13 ${LONG}`,
    ]);

    tempDir = mkdtempSync(join(tmpdir(), 'walship-tar-'));
    const extract = await spawnCapture(['/usr/bin/tar', '-xf', '-', '-C', tempDir], { input: tar });
    expect(extract).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(tempDir, WAL)).equals(walBytes)).toBe(true);
    expect(readFileSync(join(tempDir, 'SHA256SUMS')).equals(sumsBytes)).toBe(true);
    expect(readFileSync(join(tempDir, LONG), 'latin1')).toBe('abc');
    expect(statSync(join(tempDir, WAL)).mtimeMs).toBe(1_700_000_000_500);
  });

  it("is read by Python's tarfile in streaming mode 'r|', as Barman's put-wal reads it", async () => {
    const script = [
      'import json, sys, tarfile',
      'out = []',
      "with tarfile.open(fileobj=sys.stdin.buffer, mode='r|') as tar:",
      '    for m in tar:',
      "        out.append(dict(name=m.name, size=m.size, mtime=m.mtime, mode=m.mode, uid=m.uid, gid=m.gid, uname=m.uname, reg=m.isreg(), hex=tar.extractfile(m).read().hex()))",
      'print(json.dumps(out))',
    ].join('\n');
    const members = [...twoMembers(), { name: LONG, size: 0, mtime: 5, data: Buffer.alloc(0) }];
    const result = await spawnCapture(['python3', '-c', script], { input: await collect(packTar(members)) });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual([
      { name: WAL, size: 70_000, mtime: 1_700_000_000.5, mode: 0o644, uid: 0, gid: 0, uname: '', reg: true, hex: walBytes.toString('hex') },
      { name: 'SHA256SUMS', size: sumsBytes.length, mtime: 1_700_000_001, mode: 0o600, uid: 0, gid: 0, uname: '', reg: true, hex: sumsBytes.toString('hex') },
      { name: LONG, size: 0, mtime: 5, mode: 0o644, uid: 0, gid: 0, uname: '', reg: true, hex: '' },
    ]);
  });

  it('errors the output when a stream source produces more bytes than declared, without emitting them', async () => {
    const output = packTar([{ name: WAL, size: 10, mtime: 0, data: Readable.from([Buffer.alloc(6, 1), Buffer.alloc(6, 2)]) }]);
    const emitted: Buffer[] = [];
    output.on('data', (chunk: Buffer) => emitted.push(chunk));
    const error = await new Promise<unknown>((resolve) => output.on('error', resolve));
    expect(error).toBeInstanceOf(TarFormatError);
    expect(error).toMatchObject({ code: 'TAR_SIZE_MISMATCH', member: WAL, message: `${WAL} produced at least 12 bytes but 10 were declared` });
    expect(Buffer.concat(emitted).length).toBe(1536 + 6); // headers and the first chunk only
  });

  it('errors the output when a stream source ends short of its declared size', async () => {
    const output = packTar([{ name: WAL, size: 10, mtime: 0, data: Readable.from([Buffer.alloc(6)]) }]);
    await expect(collect(output)).rejects.toMatchObject({ code: 'TAR_SIZE_MISMATCH', message: `${WAL} produced 6 bytes but 10 were declared` });
  });

  it('errors before writing a member whose Buffer length differs from its size', async () => {
    const output = packTar([{ name: WAL, size: 10, mtime: 0, data: Buffer.alloc(9) }]);
    await expect(collect(output)).rejects.toMatchObject({ code: 'TAR_SIZE_MISMATCH' });
  });

  it.each(['../x', '/abs', 'dir/file', '.', '', 'a\nb'])('refuses to write the unsafe member name %j', async (name) => {
    await expect(collect(packTar([{ name, size: 0, mtime: 0, data: Buffer.alloc(0) }]))).rejects.toMatchObject({
      name: 'TarFormatError', code: 'TAR_UNSAFE_NAME', member: name,
    });
  });

  it('reads a stream source only as fast as the output is consumed (backpressure)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const total = 32 * 1024 * 1024;
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced === total) return void this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    let consumed = 0;
    let maxAhead = 0;
    for await (const piece of packTar([{ name: WAL, size: total, mtime: 0, data: source }])) {
      consumed += (piece as Buffer).length;
      maxAhead = Math.max(maxAhead, produced - consumed);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(consumed).toBe(total + 1536 + 1024);
    expect(maxAhead).toBeLessThan(1024 * 1024);
  });
});
