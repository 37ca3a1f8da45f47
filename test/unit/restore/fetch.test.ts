// Fetching one WAL into a temp file beside its destination: the remote's exit decides, a segment
// must pass the header check, and nothing half-written survives any failure.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { CompressionError, InvalidSegmentError, SshConnectError } from '../../../src/errors.js';
import { transferDecoders } from '../../../src/codec/transfer.js';
import { fetchVerified } from '../../../src/restore/fetch.js';
import { requireWalName } from '../../../src/wal/name.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';
import { scriptedTransport } from '../../helpers/scripted-transport.js';

const wal = requireWalName('00000001000000000000000A');
const segment = makeSegment(wal.name, { size: MiB });
let dir = '';
let dest = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'walship-fetch-'));
  dest = join(dir, 'RECOVERYXLOG');
});

const fetchWith = (answer: Parameters<typeof scriptedTransport>[0], format: 'plain' | 'gzip' | 'bzip2' | 'keep' = 'plain') =>
  fetchVerified(scriptedTransport(answer), ['get-wal', 'pg', wal.name], wal, dest, transferDecoders(format));

describe('fetchVerified', () => {
  it.each([
    ['plain', segment],
    ['gzip', gzipSync(segment)],
    ['bzip2', execFileSync('bzip2', ['-c'], { input: segment, maxBuffer: 8 * MiB })],
    ['keep', gzipSync(segment)],
  ] as const)('fetches a %s transfer into a verified temp file', async (format, bytes) => {
    const result = await fetchWith(() => ({ stdout: bytes }), format);
    expect(result.kind).toBe('fetched');
    if (result.kind !== 'fetched') return;
    expect(result.header?.segmentSize).toBe(MiB);
    expect((await readFile(result.temp.path)).equals(segment)).toBe(true);
  });

  it('reports the remote status 1 as a result and leaves no file', async () => {
    expect(await fetchWith(() => ({ status: 1 }))).toEqual({ kind: 'remote-failed', status: 1 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports status 1 even with -z, where gunzip calls the empty stream cut', async () => {
    expect(await fetchWith(() => ({ status: 1 }), 'gzip')).toEqual({ kind: 'remote-failed', status: 1 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('throws SshConnectError when the connection drops mid-transfer, leaving no file', async () => {
    await expect(fetchWith(() => ({ stdout: segment.subarray(0, MiB / 2), transportError: 'ssh failed (exit 255)' }))).rejects.toBeInstanceOf(SshConnectError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('throws InvalidSegmentError for a truncated stream that the remote called a success', async () => {
    await expect(fetchWith(() => ({ stdout: segment.subarray(0, MiB - 8192) }))).rejects.toBeInstanceOf(InvalidSegmentError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('throws InvalidSegmentError for a segment whose header names another segment', async () => {
    const other = makeSegment('00000001000000000000000B', { size: MiB });
    await expect(fetchWith(() => ({ stdout: other }))).rejects.toThrow(/page address/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('throws CompressionError for a corrupt gzip stream, leaving no file', async () => {
    const corrupt = gzipSync(segment);
    corrupt.fill(0x55, 100, 1000);
    await expect(fetchWith(() => ({ stdout: corrupt }), 'gzip')).rejects.toBeInstanceOf(CompressionError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('throws CompressionError for a corrupt bzip2 stream, leaving no file', async () => {
    const corrupt = execFileSync('bzip2', ['-c'], { input: segment, maxBuffer: 8 * MiB });
    corrupt.fill(0x55, 100, 400);
    await expect(fetchWith(() => ({ stdout: corrupt }), 'bzip2')).rejects.toBeInstanceOf(CompressionError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('delivers a history file without a segment check', async () => {
    const history = requireWalName('00000002.history');
    const result = await fetchVerified(scriptedTransport(() => ({ stdout: Buffer.from('1\t0/3000000\tno recovery target\n') })), [], history, dest, []);
    expect(result).toMatchObject({ kind: 'fetched', header: undefined });
  });
});

describe('fetchToTemp with an unwritable destination', () => {
  it('fails with DestinationUnusableError and leaves no decoder process behind', async () => {
    const { fetchToTemp } = await import('../../../src/restore/fetch.js');
    const { DestinationUnusableError } = await import('../../../src/errors.js');
    const decoders = transferDecoders('bzip2');
    const transport = scriptedTransport(() => ({ stdout: Buffer.from('BZh9') }));
    await expect(fetchToTemp(transport, [], join(dir, 'missing', 'RECOVERYXLOG'), decoders)).rejects.toBeInstanceOf(DestinationUnusableError);
    expect(decoders.every((stage) => stage.destroyed)).toBe(true);
  });
});
