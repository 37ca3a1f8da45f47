// put-wal's process edge: the error → exit status table, argv, and the `barman` global options.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitStatusFor } from '../../../src/cli/exit-table.js';
import {
  ChecksumFormatError, ChecksumMismatchError, ConfigError, ForeignSegmentError, IncomingUnusableError, InvalidSegmentError, InvalidServerNameError,
  InvalidWalNameError, ServerInactiveError,
  TarFormatError, UnknownServerError, UsageError,
} from '../../../src/errors.js';
import { PUT_WAL_EXIT } from '../../../src/put-wal/cli.js';
import { parseGlobalOptions, serverMain } from '../../../src/server/cli.js';
import { putWalStream } from '../../fixtures/archive/tar.js';
import { listDir, makeArchive, runPutWal, SEGMENT } from '../../fixtures/archive/server.js';
import { randomSegment } from '../../fixtures/restore/segments.js';

describe('PUT_WAL_EXIT: Barman put-wal\'s statuses (argparse 2, invalid WAL name 3, any other failure 1)', () => {
  const rows: Array<[string, unknown, number]> = [
    ['a usage error', new UsageError("missing required argument 'SERVER_NAME'"), 2],
    ['an invalid WAL name', new InvalidWalNameError('"x" is not a WAL file name'), 3],
    ['an unknown server', new UnknownServerError("Unknown server 'x'"), 1],
    ['an invalid server name', new InvalidServerNameError('invalid server name "a b"'), 1],
    ['an inactive server', new ServerInactiveError('not active'), 1],
    ['a configuration error', new ConfigError('cannot read'), 1],
    ['an unusable incoming directory', new IncomingUnusableError('not writable'), 1],
    ['a checksum mismatch', new ChecksumMismatchError('mismatch'), 1],
    ['a malformed checksum line', new ChecksumFormatError('bad line'), 1],
    ['a refused tar stream', new TarFormatError('TAR_TRUNCATED', 'truncated'), 1],
    ['a member that is not the segment its name claims', new InvalidSegmentError('0 bytes'), 1],
    ['a segment of another cluster than the archive\'s', new ForeignSegmentError('system identifier'), 1],
    ['an unexpected exception', new Error('EIO'), 1],
    ['a thrown non-Error', 'boom', 1],
  ];
  for (const [what, error, status] of rows) {
    it(`${what} exits ${status}`, () => expect(exitStatusFor(PUT_WAL_EXIT, error)).toBe(status));
  }
});

describe('put-wal arguments', () => {
  it('no SERVER_NAME is a usage error: exit 2 with an ERROR line', async () => {
    const archive = makeArchive();
    const r = await runPutWal([], Buffer.alloc(0), archive.configPath);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("ERROR: missing required argument 'SERVER_NAME'\nHINT: see walship-server put-wal --help\n");
  });

  it('an unknown flag is a usage error: exit 2', async () => {
    const archive = makeArchive();
    const r = await runPutWal(['--bogus', 'pg'], Buffer.alloc(0), archive.configPath);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: .*--bogus/);
  });

  it('-t is --test', async () => {
    const archive = makeArchive();
    const r = await runPutWal(['-t', 'pg'], Buffer.alloc(0), archive.configPath);
    expect(r).toEqual({ status: 0, stdout: 'Ready to accept WAL files for the server pg\n', stderr: '' });
  });

  it("an unknown server: `ERROR: Unknown server 'X'`, exit 1", async () => {
    const archive = makeArchive();
    const r = await runPutWal(['nope'], putWalStream([[SEGMENT, randomBytes(1024)]]), archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("ERROR: Unknown server 'nope'\n");
    expect(listDir(archive.incoming)).toEqual([]);
  });
});

describe('the barman alias: global options before the subcommand', () => {
  it('reads -c PATH, --config PATH and --config=PATH (barman-cli sends the last, quoted by the shell)', () => {
    const io = { stdout: new PassThrough() };
    expect(parseGlobalOptions(['-c', '/a', 'put-wal', 'pg'], io)).toEqual({ configPath: '/a', command: 'put-wal', rest: ['pg'] });
    expect(parseGlobalOptions(['--config', '/b c', 'put-wal', 'pg'], io)).toEqual({ configPath: '/b c', command: 'put-wal', rest: ['pg'] });
    expect(parseGlobalOptions(['--config=/d', 'put-wal', '--test', 'pg'], io)).toEqual({ configPath: '/d', command: 'put-wal', rest: ['--test', 'pg'] });
    expect(parseGlobalOptions(['-q', 'put-wal', 'pg'], io)).toEqual({ configPath: undefined, command: 'put-wal', rest: ['pg'] });
    expect(parseGlobalOptions(['-f', 'json', '--log-level=DEBUG', '--color', 'auto', '-c', '/e', 'get-wal', '-P', 'pg', 'X'], io)).toEqual({
      configPath: '/e', command: 'get-wal', rest: ['-P', 'pg', 'X'],
    });
  });

  const runServer = async (argv: string[], input: Buffer = Buffer.alloc(0)): Promise<{ status: number; stderr: string; stdout: string }> => {
    const stderr = new PassThrough();
    const stdout = new PassThrough();
    const chunks: string[] = [];
    const out: string[] = [];
    stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    const status = await serverMain(argv, { stdin: Readable.from([input]), stdout, stderr, env: {} });
    return { status, stderr: chunks.join(''), stdout: out.join('') };
  };

  it('dispatches put-wal with the config it was given and stores the segment', async () => {
    const archive = makeArchive();
    const wal = randomSegment(SEGMENT);
    const r = await runServer([`--config=${archive.configPath}`, 'put-wal', 'pg'], putWalStream([[SEGMENT, wal]]));
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(archive.incoming, SEGMENT)).equals(wal)).toBe(true);
  });

  it('any other subcommand is refused with exit 2, naming what this host runs', async () => {
    const r = await runServer(['backup', 'pg']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: 'backup' is not available: this host runs walship, which implements only Barman's put-wal and get-wal\nHINT: /);
  });

  it('no subcommand, or an unknown global option, is a usage error: exit 2', async () => {
    expect((await runServer([])).status).toBe(2);
    const r = await runServer(['--frobnicate', 'put-wal', 'pg']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("ERROR: unknown option '--frobnicate'\nHINT: see walship-server --help\n");
    expect((await runServer(['-c'])).stderr).toBe("ERROR: option '-c, --config <CONFIG>' argument missing\nHINT: see walship-server --help\n");
  });
});
