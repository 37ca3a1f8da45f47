// readTar against archives from GNU tar, Python's tarfile and hand-crafted hostile headers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { TarFormatError } from '../../../src/errors.js';
import { DEFAULT_TAR_LIMITS, readTar, type TarLimits, type TarMemberHeader } from '../../../src/wire/tar-reader.js';

const WAL = '000000010000000000000001';
const GiB = 1024 ** 3;

// ---- helpers: hand-crafted archives ----

interface HeaderSpec { name?: string | Buffer; type?: string; size?: number; sizeField?: Buffer; mode?: number; mtime?: number; linkname?: string; magic?: string; prefix?: string }

/** One 512-byte header with a correct checksum, unless the caller corrupts it afterwards. */
function header(spec: HeaderSpec = {}): Buffer {
  const block = Buffer.alloc(512);
  Buffer.from(spec.name ?? WAL).copy(block, 0, 0, 100);
  block.write(`${(spec.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  block.write('0000000\u00000000000\0', 108, 'latin1');
  if (spec.sizeField === undefined) block.write(`${(spec.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  else spec.sizeField.copy(block, 124);
  block.write(`${(spec.mtime ?? 1_700_000_000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  block.write(spec.type ?? '0', 156, 'latin1');
  block.write(spec.linkname ?? '', 157, 'latin1');
  block.write(spec.magic ?? 'ustar\u000000', 257, 'latin1');
  block.write(spec.prefix ?? '', 345, 'latin1');
  return withChecksum(block);
}

function withChecksum(block: Buffer, signed = false): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += signed && byte > 127 ? byte - 256 : byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

const padded = (data: Buffer): Buffer => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const member = (name: string, data: Buffer, spec: HeaderSpec = {}): Buffer =>
  Buffer.concat([header({ name, size: data.length, ...spec }), padded(data)]);
const pax = (body: string | Buffer, type = 'x'): Buffer => {
  const bytes = Buffer.from(body);
  return Buffer.concat([header({ name: './PaxHeaders/x', type, size: bytes.length }), padded(bytes)]);
};
const record = (key: string, value: string): string => {
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest) + 1;
  while (String(length).length + Buffer.byteLength(rest) !== length) length += 1;
  return `${length}${rest}`;
};
const END = Buffer.alloc(1024);

// ---- helpers: reading ----

interface Read { header: TarMemberHeader; data: Buffer }

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Feeds `archive` in chunks of 1..chunkMax bytes, so headers and data straddle chunk edges. */
function chunked(archive: Buffer, chunkMax = archive.length): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < archive.length;) {
    const length = 1 + Math.floor(Math.random() * chunkMax);
    chunks.push(archive.subarray(offset, offset + length));
    offset += length;
  }
  return Readable.from(chunks);
}

async function readAll(input: Buffer | NodeJS.ReadableStream, limits?: TarLimits): Promise<Read[]> {
  const members: Read[] = [];
  await readTar(Buffer.isBuffer(input) ? chunked(input) : input, async (header, data) => {
    members.push({ header, data: await collect(data) });
  }, limits);
  return members;
}

function spawnCapture(argv: string[], cwd?: string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
}

async function produce(argv: string[], cwd?: string): Promise<Buffer> {
  const result = await spawnCapture(argv, cwd);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

let tempDir: string | undefined;
const makeTempDir = (): string => (tempDir = mkdtempSync(join(tmpdir(), 'walship-tar-')));
afterEach(() => {
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

const file = (name: string, size: number, mode = 0o644) => ({ name, size, mode, type: 'file' });

// ---- accepting ----

describe('readTar accepts', () => {
  const walBytes = randomBytes(70_000);
  const small = Buffer.from('1\t0/3000000\tno recovery target specified\n');

  it('hand-crafted ustar members fed in tiny chunks, with exact bytes and headers', async () => {
    const archive = Buffer.concat([member(WAL, walBytes), member('empty', Buffer.alloc(0), { mode: 0o600 }), member('s', small), END]);
    for (const chunkMax of [1, 7, 700, archive.length]) {
      const members = await readAll(chunked(archive, chunkMax));
      expect(members.map((entry) => entry.header)).toEqual([
        { ...file(WAL, 70_000), mtime: 1_700_000_000 }, { ...file('empty', 0, 0o600), mtime: 1_700_000_000 },
        { ...file('s', small.length), mtime: 1_700_000_000 },
      ]);
      expect(members[0]!.data.equals(walBytes)).toBe(true);
      expect(members[2]!.data.equals(small)).toBe(true);
    }
  });

  it.each(['pax', 'ustar', 'gnu'])('an archive written by GNU tar --format=%s, blocking-factor padding included', async (format) => {
    const dir = makeTempDir();
    writeFileSync(join(dir, WAL), walBytes);
    writeFileSync(join(dir, '00000002.history'), small);
    writeFileSync(join(dir, 'empty'), '');
    for (const name of [WAL, '00000002.history', 'empty']) utimesSync(join(dir, name), 1_700_000_000.25, 1_700_000_000.25);
    const archive = await produce(['/usr/bin/tar', `--format=${format}`, '-cf', '-', WAL, '00000002.history', 'empty'], dir);
    expect(archive.length % 10_240).toBe(0);
    const result = await readTar(chunked(archive, 4096), async () => {});
    expect(result).toEqual({ members: 3, bytes: archive.length });
    const mtime = format === 'pax' ? 1_700_000_000.25 : 1_700_000_000;
    const members = await readAll(archive);
    expect(members.map((entry) => entry.header)).toEqual([
      { ...file(WAL, 70_000), mtime }, { ...file('00000002.history', small.length), mtime }, { ...file('empty', 0), mtime },
    ]);
    expect(members[0]!.data.equals(walBytes)).toBe(true);
    expect(members[1]!.data.equals(small)).toBe(true);
  });

  it.each(['PAX_FORMAT', 'GNU_FORMAT', 'USTAR_FORMAT'])("an archive streamed by Python's tarfile with %s (barman-cli's writer)", async (format) => {
    const script = [
      'import io, sys, tarfile',
      `with tarfile.open(fileobj=sys.stdout.buffer, mode='w|', format=tarfile.${format}) as tar:`,
      `    for name, data in ((${JSON.stringify(WAL)}, bytes(i * 7 % 251 for i in range(70000))), ('SHA256SUMS', b'x' * 100)):`,
      '        info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 1700000000.75',
      '        tar.addfile(info, io.BytesIO(data))',
    ].join('\n');
    const members = await readAll(await produce(['python3', '-c', script]));
    const mtime = format === 'PAX_FORMAT' ? 1_700_000_000.75 : 1_700_000_000;
    expect(members.map((entry) => entry.header)).toEqual([{ ...file(WAL, 70_000), mtime }, { ...file('SHA256SUMS', 100), mtime }]);
    expect(members[0]!.data.equals(Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251)))).toBe(true);
    expect(members[1]!.data.equals(Buffer.alloc(100, 'x'))).toBe(true);
  });

  it('pax path and size records overriding the ustar fields, and a 255-byte name', async () => {
    const long = 'n'.repeat(255);
    const archive = Buffer.concat([pax(record('path', long) + record('size', '5')), header({ name: 'ignored', size: 0 }), padded(Buffer.from('hello')), END]);
    expect(await readAll(archive)).toEqual([{ header: { ...file(long, 5), mtime: 1_700_000_000 }, data: Buffer.from('hello') }]);
  });

  it('a global pax header, which is validated and ignored', async () => {
    const archive = Buffer.concat([pax(record('comment', 'hi'), 'g'), member('a', Buffer.from('A')), END]);
    expect((await readAll(archive)).map((entry) => entry.header.name)).toEqual(['a']);
  });

  it('a base-256 size field and a header whose checksum was computed with signed bytes', async () => {
    const base256 = Buffer.alloc(12);
    base256[0] = 0x80;
    base256[11] = 3;
    const signed = withChecksum(header({ name: 'é', size: 3, sizeField: base256 }), true);
    const archive = Buffer.concat([signed, padded(Buffer.from('abc')), END]);
    expect(await readAll(archive)).toEqual([{ header: { ...file('é', 3), mtime: 1_700_000_000 }, data: Buffer.from('abc') }]);
  });

  it('up to the limits exactly', async () => {
    const archive = Buffer.concat([member('a', Buffer.alloc(10)), member('b', Buffer.alloc(10)), END]);
    const limits = { maxMembers: 2, maxMemberSize: 10, maxTotalBytes: archive.length };
    expect(await readAll(archive, limits)).toHaveLength(2);
  });
});

// ---- sequencing ----

describe('readTar hands members over', () => {
  it('one at a time, skipping whatever onMember left unread', async () => {
    const first = randomBytes(200_000);
    const second = randomBytes(1000);
    const archive = Buffer.concat([member('a', first), member('b', second), member('c', Buffer.from('c')), END]);
    const seen: string[] = [];
    let active = 0;
    await readTar(chunked(archive, 16_384), async (header, data) => {
      expect(active).toBe(0);
      active += 1;
      if (header.name === 'a') seen.push(`a:${(await data[Symbol.asyncIterator]().next()).done}`); // one chunk only
      if (header.name === 'b') seen.push(`b:${(await collect(data)).equals(second)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active -= 1;
      if (header.name === 'c') seen.push('c:unread');
    });
    expect(seen).toEqual(['a:false', 'b:true', 'c:unread']);
  });

  it('and ignores anything after the end-of-archive blocks, counting it in bytes', async () => {
    const archive = Buffer.concat([member('a', Buffer.from('A')), END, randomBytes(9000)]);
    expect(await readTar(chunked(archive), async () => {})).toEqual({ members: 1, bytes: archive.length });
  });

  it('rejects once with the error onMember threw, calls it no more and destroys the input', async () => {
    const input = chunked(Buffer.concat([member('a', Buffer.alloc(5000)), member('b', Buffer.from('B')), END]), 100);
    const failure = new Error('disk full');
    let calls = 0;
    await expect(readTar(input, async () => { calls += 1; throw failure; })).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(input.destroyed).toBe(true);
  });

  it('rejects with the input stream’s own error', async () => {
    const failure = new Error('ssh connection reset');
    const input = new PassThrough();
    input.write(member('a', Buffer.alloc(2000)).subarray(0, 1000));
    setImmediate(() => input.destroy(failure));
    await expect(readTar(input, async (_header, data) => { await collect(data); })).rejects.toBe(failure);
  });
});

// ---- refusing ----

const reject = (archive: Buffer | Readable, limits?: TarLimits) => expect(readAll(Buffer.isBuffer(archive) ? chunked(archive, 600) : archive, limits)).rejects;

describe('readTar refuses', () => {
  it.each([
    ['a parent reference', '../x', 'the name contains "/"'],
    ['an absolute path', '/abs', 'the name is an absolute path'],
    ['a path with a directory', 'dir/file', 'the name contains "/"'],
    ['"."', '.', 'the name is "."'],
    ['".."', '..', 'the name is ".."'],
    ['an empty name', '', 'the name is empty'],
  ])('%s as a member name', async (_title, name, reason) => {
    await reject(Buffer.concat([member(name, Buffer.from('x')), END])).toMatchObject({
      name: 'TarFormatError', code: 'TAR_UNSAFE_NAME', member: name, message: `member ${JSON.stringify(name)} refused: ${reason}`,
    });
  });

  it.each([
    ['a ustar prefix', header({ name: 'file', prefix: 'dir' })],
    ['a pax path with NUL', Buffer.concat([pax(record('path', 'a\0b')), header()])],
    ['a pax path with a newline', Buffer.concat([pax(record('path', `${WAL}\nx`)), header()])],
    ['a pax path of 256 bytes', Buffer.concat([pax(record('path', 'n'.repeat(256))), header()])],
    ['a name that is not UTF-8', header({ name: Buffer.from([0x61, 0xff]) })],
  ])('a name built from %s', async (_title, archive) => {
    await reject(Buffer.concat([archive, END])).toMatchObject({ code: 'TAR_UNSAFE_NAME' });
  });

  it.each([
    ['1', 'a hard link'], ['2', 'a symbolic link'], ['3', 'a character device'], ['4', 'a block device'],
    ['5', 'a directory'], ['6', 'a fifo'], ['L', 'a GNU long-name header'], ['K', 'a GNU long-link header'], ['Z', 'of type "Z"'],
  ])('typeflag %s (%s)', async (type, kind) => {
    await reject(Buffer.concat([header({ name: 'odd', type, linkname: WAL }), END])).toMatchObject({
      code: 'TAR_NOT_REGULAR', member: 'odd', message: `member "odd" is ${kind}; only regular files are accepted`,
    });
  });

  it('a GNU pax sparse file', async () => {
    await reject(Buffer.concat([pax(record('GNU.sparse.major', '1')), member('s', Buffer.alloc(10)), END])).toMatchObject({ code: 'TAR_NOT_REGULAR' });
  });

  it('symbolic links, hard links, directories and "./" names from real GNU tar archives', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'a'), 'data');
    symlinkSync('a', join(dir, 'link'));
    linkSync(join(dir, 'a'), join(dir, 'hard'));
    mkdirSync(join(dir, 'sub'));
    const cases: Array<[string[], string, string]> = [
      [['link'], 'TAR_NOT_REGULAR', 'member "link" is a symbolic link; only regular files are accepted'],
      [['a', 'hard'], 'TAR_NOT_REGULAR', 'member "hard" is a hard link; only regular files are accepted'],
      [['sub'], 'TAR_NOT_REGULAR', 'member "sub/" is a directory; only regular files are accepted'],
      [['./a'], 'TAR_UNSAFE_NAME', 'member "./a" refused: the name contains "/"'],
    ];
    for (const [names, code, message] of cases) {
      const archive = await produce(['/usr/bin/tar', '--format=pax', '-cf', '-', ...names], dir);
      await reject(archive).toMatchObject({ code, message });
    }
  });

  it('a member over maxMemberSize from its header alone, on an input that never ends', async () => {
    const input = new PassThrough();
    input.write(header({ size: GiB + 1 }));
    let called = false;
    await expect(readTar(input, async () => { called = true; })).rejects.toMatchObject({
      code: 'TAR_TOO_LARGE', member: WAL, message: `member "${WAL}" is ${GiB + 1} bytes, over the limit of ${GiB}`,
    });
    expect(called).toBe(false);
    expect(DEFAULT_TAR_LIMITS).toEqual({ maxMembers: 1024, maxMemberSize: GiB, maxTotalBytes: 4 * GiB });
  });

  it.each([
    ['a huge base-256 size', header({ sizeField: Buffer.from([0x80, ...Array<number>(11).fill(0xff)]) })],
    ['a pax size over the limit', Buffer.concat([pax(record('size', String(GiB + 1))), header()])],
    ['a member one byte over a small limit', member('a', Buffer.alloc(11))],
  ])('%s', async (_title, archive) => {
    await reject(Buffer.concat([archive, END]), { ...DEFAULT_TAR_LIMITS, maxMemberSize: 10 }).toMatchObject({ code: 'TAR_TOO_LARGE' });
  });

  it('a member that would take the stream over maxTotalBytes, and trailing bytes over it', async () => {
    const limits = { ...DEFAULT_TAR_LIMITS, maxTotalBytes: 4096 };
    await reject(Buffer.concat([member('a', Buffer.alloc(2000)), member('b', Buffer.alloc(2000)), END]), limits)
      .toMatchObject({ code: 'TAR_TOO_LARGE', member: 'b', message: 'member "b" would take the tar stream over 4096 bytes' });
    await reject(Buffer.concat([member('a', Buffer.alloc(1)), END, Buffer.alloc(9216)]), limits)
      .toMatchObject({ code: 'TAR_TOO_LARGE', message: 'tar stream exceeds the limit of 4096 bytes' });
  });

  it('a pax header over 64 KiB', async () => {
    await reject(Buffer.concat([pax(record('comment', 'c'.repeat(70_000))), member('a', Buffer.alloc(1)), END])).toMatchObject({ code: 'TAR_TOO_LARGE' });
  });

  it('more members than maxMembers', async () => {
    const archive = Buffer.concat([member('a', Buffer.alloc(1)), member('b', Buffer.alloc(1)), member('c', Buffer.alloc(1)), END]);
    await reject(archive, { ...DEFAULT_TAR_LIMITS, maxMembers: 2 }).toMatchObject({
      code: 'TAR_TOO_MANY_MEMBERS', member: 'c', message: 'tar stream has more than 2 members',
    });
  });

  it.each([
    ['an invalid octal size', header({ sizeField: Buffer.from('0000000009x\0') })],
    ['a negative base-256 size', header({ sizeField: Buffer.alloc(12, 0xff) })],
    ['a bad header checksum', (() => { const block = header(); block[0] = 0x41; return block; })()],
    ['a garbage block', randomBytes(512)],
    ['an unknown magic', header({ magic: 'notustar' })],
    ['a pax record whose length misses its newline', Buffer.concat([pax('8 path=a\n'), header()])],
    ['a pax record whose length runs past the header', Buffer.concat([pax('99 path=a\n'), header()])],
    ['a pax record without "="', Buffer.concat([pax('7 path\n'), header()])],
    ['a pax header not followed by a member', pax(record('path', 'a'))],
    ['a global pax header setting path', Buffer.concat([pax(record('path', 'a'), 'g'), header()])],
    ['an invalid pax mtime', Buffer.concat([pax(record('mtime', 'soon')), header()])],
    ['a lone zero block followed by data', Buffer.concat([Buffer.alloc(512), header()])],
  ])('%s', async (_title, archive) => {
    const error = await readAll(chunked(Buffer.concat([archive, END]), 300)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TarFormatError);
    expect(error).toMatchObject({ code: 'TAR_BAD_HEADER' });
  });

  it.each([
    ['an empty input', Buffer.alloc(0), 'tar stream truncated: input ended without the end-of-archive blocks'],
    ['an input that ends inside a header', header().subarray(0, 200), 'tar stream truncated: input ended inside a header'],
    ['an input that ends inside data', Buffer.concat([header({ size: 1000 }), Buffer.alloc(300)]), `tar stream truncated: input ended inside the data of "${WAL}"`],
    ['an input that ends inside padding', Buffer.concat([header({ size: 1000 }), Buffer.alloc(1000)]), `tar stream truncated: input ended after "${WAL}"`],
    ['an input that ends inside a pax header', pax(record('path', 'a')).subarray(0, 600), 'tar stream truncated: input ended inside a pax header'],
    ['a stream without end-of-archive blocks', member('a', Buffer.alloc(1)), 'tar stream truncated: input ended without the end-of-archive blocks'],
    ['a stream with a single zero block', Buffer.concat([member('a', Buffer.alloc(1)), Buffer.alloc(512)]), 'tar stream truncated: input ended after a single end-of-archive block'],
  ])('%s as truncated', async (_title, archive, message) => {
    await reject(archive).toMatchObject({ name: 'TarFormatError', code: 'TAR_TRUNCATED', message });
  });

  it('truncated data with the same error onMember saw while reading, and when onMember read nothing', async () => {
    const archive = Buffer.concat([header({ size: 1000 }), Buffer.alloc(300)]);
    let seen: unknown;
    const rejected = await readTar(chunked(archive, 100), async (_header, data) => {
      seen = await collect(data).catch((error: unknown) => error);
      throw seen;
    }).catch((error: unknown) => error);
    expect(seen).toMatchObject({ code: 'TAR_TRUNCATED', member: WAL });
    expect(rejected).toBe(seen);
    await expect(readTar(chunked(archive, 100), async () => {})).rejects.toMatchObject({ code: 'TAR_TRUNCATED', member: WAL });
  });
});
