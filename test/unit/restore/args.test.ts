// walship-restore's command line: barman-wal-restore's flags and defaults, plus --transport.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { DEFAULT_QUEUE_MAX, parseRestoreArgs, parseSize } from '../../../src/restore/args.js';

const positional = ['backup', 'pg', '000000010000000000000002', 'pg_wal/RECOVERYXLOG'];
const parse = (argv: string[]) => parseRestoreArgs(argv, { stdout: new PassThrough() });

describe('parseRestoreArgs', () => {
  it('has barman-wal-restore defaults (user barman, no prefetch, plain, ssh) but no shared spool: without --spool-dir it is resolved later, to ~/.walship/spool', () => {
    expect(parse(positional)).toEqual({
      user: 'barman',
      port: undefined,
      sleepSeconds: 0,
      jobs: 0,
      spoolDir: undefined,
      partial: false,
      format: 'plain',
      config: undefined,
      test: false,
      transport: 'ssh',
      reuseConnection: undefined,
      async: false,
      queueMax: DEFAULT_QUEUE_MAX,
      idleExitSeconds: 60,
      barmanHost: 'backup',
      serverName: 'pg',
      walName: '000000010000000000000002',
      walDest: 'pg_wal/RECOVERYXLOG',
    });
  });

  it('reads every flag, short and long', () => {
    const short = parse(['-U', 'bm', '--port', '2222', '-s', '5', '-p', '8', '--spool-dir', '/s', '-P', '-z', '-c', '/etc/b.conf', '-t', ...positional]);
    const long = parse(['--user', 'bm', '--port', '2222', '--sleep', '5', '--parallel', '8', '--spool-dir', '/s', '--partial', '--gzip', '--config', '/etc/b.conf', '--test', ...positional]);
    for (const options of [short, long]) {
      expect(options).toMatchObject({ user: 'bm', port: 2222, sleepSeconds: 5, jobs: 8, spoolDir: '/s', partial: true, format: 'gzip', config: '/etc/b.conf', test: true });
    }
  });

  it('lets the last of -z, -j, --keep-compression win, as argparse store_const does', () => {
    expect(parse(['-z', '-j', ...positional])).toMatchObject({ format: 'bzip2' });
    expect(parse(['-j', '-z', ...positional])).toMatchObject({ format: 'gzip' });
    expect(parse(['-z', '--keep-compression', ...positional])).toMatchObject({ format: 'keep' });
  });

  it('takes --transport local', () => {
    expect(parse(['--transport', 'local', ...positional])).toMatchObject({ transport: 'local' });
  });

  it('takes --reuse-connection SECONDS, as walship-archive does', () => {
    expect(parse(['--reuse-connection', '60', ...positional])).toMatchObject({ reuseConnection: 60 });
  });

  it.each([
    [['--transport', 'ftp', ...positional]],
    [['-p', 'x', ...positional]],
    [['-p', '-1', ...positional]],
    [['--port', '0', ...positional]],
    [['--port', '70000', ...positional]],
    [['-s', 'soon', ...positional]],
    [['--bogus', ...positional]],
    [positional.slice(0, 3)],
    [[...positional, 'extra']],
  ])('refuses %j with a UsageError', (argv) => {
    expect(() => parse(argv)).toThrow(UsageError);
  });

  it('answers --help with usage on stdout (help goes to stdout in every walship executable)', () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(parseRestoreArgs(['--help'], { stdout })).toBeUndefined();
    expect(text).toMatch(/BARMAN_HOST SERVER_NAME WAL_NAME WAL_DEST/);
  });

  it('names itself as run: the barman-wal-restore alias gets its own name in usage and in the HINT', () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    parseRestoreArgs(['--help'], { stdout, invokedAs: 'barman-wal-restore' });
    expect(text).toMatch(/^Usage: barman-wal-restore \[-U USER\]/);
    expect(() => parseRestoreArgs(['--port', '0', ...positional], { stdout, invokedAs: 'barman-wal-restore' })).toThrow(
      expect.objectContaining({ message: "option '--port <PORT>' argument '0' is invalid. expected an integer from 1 to 65535", hint: 'see barman-wal-restore --help' }),
    );
  });

  it('takes --async with --queue-max in bytes or K/M/G and --idle-exit seconds', () => {
    expect(parse(['--async', '--queue-max', '64M', '--idle-exit', '5', ...positional])).toMatchObject({ async: true, queueMax: 64 * 1024 * 1024, idleExitSeconds: 5 });
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('1G')).toBe(1024 ** 3);
    for (const bad of ['0', '-1', '1T', '1.5M', '']) expect(() => parseSize(bad)).toThrow(/expected a size/);
  });
});
