// get-wal as barman-wal-restore calls it: messages and exit statuses of every row of its table.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CompressionError,
  ConfigError,
  DestinationUnusableError,
  InvalidServerNameError,
  InvalidWalNameError,
  ServerInactiveError,
  UnknownServerError,
  UsageError,
} from '../../../src/errors.js';
import { exitStatusFor } from '../../../src/cli/exit-table.js';
import { GET_WAL_EXIT, getWalCommand } from '../../../src/get-wal/cli.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';
import { captureIO } from './io.js';

const repoRoot = new URL('../../..', import.meta.url).pathname;

let root = '';
let config = '';
const seg2 = makeSegment('000000010000000000000002', { size: MiB });
const seg3 = makeSegment('000000010000000000000003', { size: MiB });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'walship-getwal-cli-'));
  config = join(root, 'barman.conf');
  await writeFile(config, `[barman]\nbarman_home = ${root}/home\n\n[pg]\ndescription = test\n\n[off]\nactive = false\n`);
  const hash = join(root, 'home/pg/wals/0000000100000000');
  await mkdir(hash, { recursive: true });
  await mkdir(join(root, 'home/pg/incoming'), { recursive: true });
  await writeFile(join(hash, '000000010000000000000002'), seg2);
  await writeFile(join(hash, '000000010000000000000003'), gzipSync(seg3));
  // snappy framing magic: stored by a Barman with python-snappy
  await writeFile(join(hash, '000000010000000000000004'), Buffer.from('ff060000734e61507059', 'hex'));
});

async function getWal(args: string[], configPath: string | undefined = config) {
  const captured = captureIO();
  const status = await getWalCommand(args, captured.io, configPath);
  return { status, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('get-wal exit statuses', () => {
  it('sends a plain segment on stdout and exits 0', async () => {
    const r = await getWal(['pg', '000000010000000000000002']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.equals(seg2)).toBe(true);
  });

  it('decompresses a gzip-stored segment and exits 0', async () => {
    const r = await getWal(['pg', '000000010000000000000003']);
    expect(r.status).toBe(0);
    expect(r.stdout.equals(seg3)).toBe(true);
  });

  it('answers --test with a dummy WAL name, as barman-wal-restore sends it', async () => {
    const r = await getWal(['--test', 'pg', 'dummy_wal_name']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.toString()).toBe('Ready to retrieve WAL files from the server pg\n');
  });

  it("peeks as barman-wal-restore 3.4 asks: --peek '3' --gzip --partial", async () => {
    const r = await getWal(['--peek', '3', '--gzip', '--partial', 'pg', '000000010000000000000002']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('000000010000000000000002\n000000010000000000000003\n000000010000000000000004\n');
  });

  it("a missing WAL: \"ERROR: WAL file 'X' not found in server 'S'\", exit 1, nothing on stdout", async () => {
    const r = await getWal(['pg', '000000010000000000000009']);
    expect(r).toMatchObject({ status: 1, stderr: "ERROR: WAL file '000000010000000000000009' not found in server 'pg'\n" });
    expect(r.stdout.length).toBe(0);
  });

  it("an unknown server: \"ERROR: Unknown server 'X'\", exit 1", async () => {
    const r = await getWal(['nope', '000000010000000000000002']);
    expect(r).toMatchObject({ status: 1, stderr: "ERROR: Unknown server 'nope'\n" });
  });

  it('an unknown server fails --test too', async () => {
    expect((await getWal(['--test', 'nope', 'dummy_wal_name'])).status).toBe(1);
  });

  it('a server name with shell characters: exit 1', async () => {
    const r = await getWal(['x;y', '000000010000000000000002']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: invalid server name/);
  });

  it('a configuration error (an interpolation loop): exit 2 with its ERROR line (issue 8)', async () => {
    const loop = join(root, 'loop.conf');
    await writeFile(loop, `[barman]\nbarman_home = ${root}/home\n\n[pg]\nbackup_directory = %(a)s\na = %(backup_directory)s\n`);
    const r = await getWal(['pg', '000000010000000000000002'], loop);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: .*interpolation nested too deeply/);
    expect(r.stdout.length).toBe(0);
  });

  it('an inactive server: exit 2 (issue 8: 1 would tell a restore "not in the archive")', async () => {
    const r = await getWal(['off', '000000010000000000000002']);
    expect(r).toMatchObject({ status: 2, stderr: 'ERROR: Inactive server: off\n' });
  });

  it.each(['../x', 'x;y', 'junk', '0000000100000000000000020', ''])('an invalid WAL name %j: exit 3, nothing on stdout', async (name) => {
    const r = await getWal(['pg', name]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/is not a valid WAL file name/);
    expect(r.stdout.length).toBe(0);
  });

  it('a usage error (unknown flag, --peek 0, missing argument): exit 2', async () => {
    expect((await getWal(['--frobnicate', 'pg', '000000010000000000000002'])).status).toBe(2);
    expect((await getWal(['--peek', '0', 'pg', '000000010000000000000002'])).status).toBe(2);
    expect((await getWal(['pg'])).status).toBe(2);
  });

  it('a missing configuration file: exit 2 (issue 8: a configuration error)', async () => {
    const r = await getWal(['pg', '000000010000000000000002'], join(root, 'missing.conf'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read configuration file/);
  });

  it('-o into a missing directory: exit 3', async () => {
    const r = await getWal(['-o', join(root, 'no/such/dir'), 'pg', '000000010000000000000002']);
    expect(r.status).toBe(3);
  });

  it('-j -o into a missing directory: the built walship-server exits 3 instead of waiting on an unused bzip2 stage', () => {
    const argv = ['-c', config, 'get-wal', '-j', '-o', join(root, 'no/such/dir'), 'pg', '000000010000000000000002'];
    const r = spawnSync(join(repoRoot, 'bin/walship-server'), argv, { timeout: 20_000, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(3);
  });

  it('-o DIR writes DIR/<name> and nothing on stdout', async () => {
    const out = join(root, 'out');
    await mkdir(out);
    const r = await getWal(['-o', out, 'pg', '000000010000000000000003']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.length).toBe(0);
    expect(await readdir(out)).toEqual(['000000010000000000000003']);
  });

  it('a snappy-stored file: a clear "not supported" error, exit 2 (issue 8: the file exists)', async () => {
    const r = await getWal(['pg', '000000010000000000000004']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/snappy-compressed WAL files are not supported/);
    expect(r.stdout.length).toBe(0);
  });

  it('a corrupt gzip-stored file: exit 2 (issue 8: never "not found"), nothing on stdout', async () => {
    const hash = join(root, 'home/pg/wals/0000000100000000');
    await writeFile(join(hash, '000000010000000000000005'), Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(300, 0xee)]));
    const r = await getWal(['pg', '000000010000000000000005']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: cannot decompress .*000000010000000000000005: /);
    expect(r.stdout.length).toBe(0);
  });
});

describe('stored xz, zstd and lz4 files', () => {
  const compressWith = (program: string, bytes: Buffer): Buffer => execFileSync(program, ['-c'], { input: bytes, maxBuffer: 8 * MiB });

  it.each([
    ['xz', '000000010000000000000011'],
    ['zstd', '000000010000000000000012'],
    ['lz4', '000000010000000000000013'],
  ])('a %s-stored segment is decoded by the %s program and sent plain', async (program, name) => {
    const segment = makeSegment(name, { size: MiB });
    await writeFile(join(root, 'home/pg/wals/0000000100000000', name), compressWith(program, segment));
    const r = await getWal(['pg', name]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.equals(segment)).toBe(true);
  });

  it('without the xz program: a clear error naming it, exit 2 (issue 8), nothing on stdout', async () => {
    const name = '000000010000000000000014';
    await writeFile(join(root, 'home/pg/wals/0000000100000000', name), compressWith('xz', makeSegment(name, { size: MiB })));
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      const r = await getWal(['pg', name]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^ERROR: xz decompression needs the 'xz' program, which is not on PATH\nHINT: install it \(Debian package xz-utils\)/);
      expect(r.stdout.length).toBe(0);
    } finally {
      process.env['PATH'] = path;
    }
  });
});

describe('GET_WAL_EXIT', () => {
  it.each([
    [new UsageError('x'), 2],
    [new InvalidWalNameError('x'), 3],
    [new DestinationUnusableError('x'), 3],
    [new UnknownServerError('x'), 1],
    [new InvalidServerNameError('x'), 1],
    [new ServerInactiveError('x'), 2],
    [new ConfigError('x'), 2],
    [new CompressionError('x'), 2],
    [new Error('anything else'), 2],
  ])('%s → %i', (error, status) => {
    expect(exitStatusFor(GET_WAL_EXIT, error)).toBe(status);
  });

  it('covers every row', () => {
    expect(GET_WAL_EXIT.rows).toHaveLength(8);
    expect(GET_WAL_EXIT.unexpected).toBe(2);
  });
});
