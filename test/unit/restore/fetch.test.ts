// Fetching one WAL into a temp file beside its destination: the remote's exit decides, a segment
// must pass the header check, and nothing half-written survives any failure.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { CompressionError, InvalidSegmentError, RemoteCommandError, SshConnectError } from '../../../src/errors.js';
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

const call = (format: 'plain' | 'gzip' | 'bzip2' | 'keep' = 'plain') => ({ config: undefined, format, partial: false, serverName: 'pg' });
const fetchWith = (answer: Parameters<typeof scriptedTransport>[0], format: 'plain' | 'gzip' | 'bzip2' | 'keep' = 'plain') =>
  fetchVerified(scriptedTransport(answer), call(format), wal, dest);
const NOT_FOUND = `ERROR: WAL file '${wal.name}' not found in server 'pg'\n`;

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

  it("reports Barman's not-found answer (status 1 and its ERROR line) as a result and leaves no file", async () => {
    expect(await fetchWith(() => ({ status: 1, stderr: NOT_FOUND }))).toEqual({ kind: 'not-available', answer: 'wal-not-found' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports not-found even with -z, where gunzip calls the empty stream cut', async () => {
    expect(await fetchWith(() => ({ status: 1, stderr: NOT_FOUND }), 'gzip')).toEqual({ kind: 'not-available', answer: 'wal-not-found' });
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['no stderr', undefined],
    ['another ERROR line (Barman 3.4 exits 1 for a file it cannot decode)', 'ERROR: Error decompressing WAL: incorrect data check\n'],
    ['the not-found line of another WAL file', "ERROR: WAL file '000000010000000000000009' not found in server 'pg'\n"],
  ])('status 1 with %s is a remote failure, not an absence (issue 8): RemoteCommandError, no file', async (_what, stderr) => {
    await expect(fetchWith(() => ({ status: 1, ...(stderr === undefined ? {} : { stderr }) }))).rejects.toBeInstanceOf(RemoteCommandError);
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
    const result = await fetchVerified(scriptedTransport(() => ({ stdout: Buffer.from('1\t0/3000000\tno recovery target\n') })), call(), history, dest);
    expect(result).toMatchObject({ kind: 'fetched', header: undefined });
  });
});

describe('fetchToTemp with an unwritable destination', () => {
  it('fails with DestinationUnusableError and leaves no decoder process behind', async () => {
    const { fetchToTemp } = await import('../../../src/restore/fetch.js');
    const { DestinationUnusableError } = await import('../../../src/errors.js');
    const decoders = transferDecoders('bzip2');
    const transport = scriptedTransport(() => ({ stdout: Buffer.from('BZh9') }));
    await expect(fetchToTemp(transport, call('bzip2'), wal, join(dir, 'missing', 'RECOVERYXLOG'), decoders)).rejects.toBeInstanceOf(DestinationUnusableError);
    expect(decoders.every((stage) => stage.destroyed)).toBe(true);
  });
});
