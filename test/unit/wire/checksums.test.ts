// SHA256SUMS / MD5SUMS lines: barman-cli's format, checked with sha256sum -c / md5sum -c, and the hashing stage.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHECKSUM_FILE, checksumAlgorithmForMember, createHashingPassThrough, formatChecksumLines, parseChecksumFile, type ChecksumAlgorithm,
} from '../../../src/wire/checksums.js';
import { ChecksumFormatError } from '../../../src/errors.js';

const WAL = '000000010000000000000001';
const SHA = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'; // sha256("abc")
const MD5 = '900150983cd24fb0d6963f7d28e17f72'; // md5("abc")

function spawnCapture(argv: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let tempDir: string | undefined;
afterEach(() => {
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

describe('checksum member names', () => {
  it('map SHA256SUMS to sha256, MD5SUMS to md5 and anything else to undefined', () => {
    expect(CHECKSUM_FILE).toEqual({ sha256: 'SHA256SUMS', md5: 'MD5SUMS' });
    expect(checksumAlgorithmForMember('SHA256SUMS')).toBe('sha256');
    expect(checksumAlgorithmForMember('MD5SUMS')).toBe('md5');
    expect(checksumAlgorithmForMember('sha256sums')).toBeUndefined();
    expect(checksumAlgorithmForMember(WAL)).toBeUndefined();
  });
});

describe('formatChecksumLines', () => {
  it('writes "<hex> *<name>" lines exactly as barman-cli does', () => {
    expect(formatChecksumLines([{ name: WAL, hex: '668a848d97e5ae8348e98de7c46efc42' }])).toBe(`668a848d97e5ae8348e98de7c46efc42 *${WAL}\n`);
    expect(formatChecksumLines([{ name: 'a', hex: SHA.toUpperCase() }, { name: 'b', hex: SHA }])).toBe(`${SHA} *a\n${SHA} *b\n`);
    expect(formatChecksumLines([])).toBe('');
  });

  it.each<[ChecksumAlgorithm, string[]]>([['sha256', ['sha256sum', '-c', 'SHA256SUMS']], ['md5', ['md5sum', '-c', 'MD5SUMS']]])(
    'produces a %s file that coreutils verifies', async (algorithm, argv) => {
      tempDir = mkdtempSync(join(tmpdir(), 'walship-sums-'));
      const files = { [WAL]: randomBytes(5000), '00000002.history': Buffer.from('1\t0/3000000\tno recovery target\n') };
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(tempDir, name), bytes);
      const entries = Object.entries(files).map(([name, bytes]) => ({ name, hex: createHash(algorithm).update(bytes).digest('hex') }));
      writeFileSync(join(tempDir, CHECKSUM_FILE[algorithm]), formatChecksumLines(entries));
      expect(await spawnCapture(argv, tempDir)).toEqual({ code: 0, stdout: `${WAL}: OK\n00000002.history: OK\n`, stderr: '' });
    });

  it('refuses names and digests that cannot be written as one line', () => {
    expect(() => formatChecksumLines([{ name: 'a\nb', hex: MD5 }])).toThrow(ChecksumFormatError);
    expect(() => formatChecksumLines([{ name: 'dir/a', hex: MD5 }])).toThrow('cannot list "dir/a": the name contains "/"');
    expect(() => formatChecksumLines([{ name: 'a', hex: 'abc' }])).toThrow('cannot list "a": "abc" is not an md5 or sha256 digest');
  });
});

describe('parseChecksumFile', () => {
  it('accepts text and binary separators, upper-case hex and a missing final newline', () => {
    const text = `${SHA.toUpperCase()} *${WAL}\n${SHA}  00000002.history`;
    expect(parseChecksumFile(text, 'sha256')).toEqual(new Map([[WAL, SHA], ['00000002.history', SHA]]));
    expect(parseChecksumFile(`${MD5} *${WAL}\n`, 'md5')).toEqual(new Map([[WAL, MD5]]));
    expect(parseChecksumFile('', 'sha256')).toEqual(new Map());
  });

  it('reads back what formatChecksumLines wrote', () => {
    const entries = [{ name: WAL, hex: SHA }, { name: 'b c', hex: SHA }];
    expect(parseChecksumFile(formatChecksumLines(entries), 'sha256')).toEqual(new Map(entries.map((e) => [e.name, e.hex])));
  });

  it.each<[string, string, ChecksumAlgorithm, number]>([
    ['an md5 digest in SHA256SUMS', `${MD5} *${WAL}\n`, 'sha256', 1],
    ['a sha256 digest in MD5SUMS', `${SHA} *${WAL}\n`, 'md5', 1],
    ['a non-hex digest', `${'g'.repeat(32)} *${WAL}\n`, 'md5', 1],
    ['a single space and no marker', `${MD5} ${WAL}\n`.replace(' ', ''), 'md5', 1],
    ['a tab separator', `${MD5}\t*${WAL}\n`, 'md5', 1],
    ['a missing name', `${MD5} *\n`, 'md5', 1],
    ['an empty line', `${MD5} *a\n\n${MD5} *b\n`, 'md5', 2],
    ['BSD tag format', `MD5 (${WAL}) = ${MD5}\n`, 'md5', 1],
    ['a CRLF line end', `${MD5} *${WAL}\r\n`, 'md5', 1],
    ['a name with "/"', `${MD5} *a\n${MD5} *../${WAL}\n`, 'md5', 2],
    ['a name ".."', `${MD5} *..\n`, 'md5', 1],
    ['a duplicate name', `${MD5} *a\n${MD5}  a\n`, 'md5', 2],
  ])('refuses %s, naming the line', (_title, text, algorithm, line) => {
    let caught: unknown;
    try {
      parseChecksumFile(text, algorithm);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ChecksumFormatError);
    expect(caught).toMatchObject({ name: 'ChecksumFormatError', code: 'CHECKSUM_BAD_LINE', line });
    expect((caught as Error).message).toMatch(new RegExp(`^line ${line} of ${CHECKSUM_FILE[algorithm]} `));
  });

  it('says what is wrong in the message', () => {
    expect(() => parseChecksumFile(`${MD5} *a\n${MD5} *a\n`, 'md5')).toThrow('line 2 of MD5SUMS lists "a" a second time');
    expect(() => parseChecksumFile(`${MD5} *x/y\n`, 'md5')).toThrow('line 1 of MD5SUMS lists "x/y": the name contains "/"');
    expect(() => parseChecksumFile('nonsense\n', 'sha256')).toThrow('line 1 of SHA256SUMS is not "<64 hex digits> <name>": "nonsense"');
  });
});

describe('createHashingPassThrough', () => {
  it('passes bytes through unchanged while computing every requested digest', async () => {
    const data = randomBytes(300_000);
    const hasher = createHashingPassThrough(['sha256', 'md5']);
    const out: Buffer[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { out.push(chunk); done(); } });
    await pipeline(Readable.from([data.subarray(0, 1), data.subarray(1, 70_000), data.subarray(70_000)]), hasher, sink);
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(hasher.digests()).toEqual({
      sha256: createHash('sha256').update(data).digest('hex'), md5: createHash('md5').update(data).digest('hex'),
    });
  });

  it('gives the known digests of "abc" and refuses to answer before the stream ended', async () => {
    const hasher = createHashingPassThrough(['md5', 'sha256']);
    expect(() => hasher.digests()).toThrow('digests() called before the stream ended');
    await pipeline(Readable.from([Buffer.from('ab'), Buffer.from('c')]), hasher, new Writable({ write: (_c, _e, done) => done() }));
    expect(hasher.digests()).toEqual({ md5: MD5, sha256: SHA });
  });
});
