// The remote Barman command lines: get-wal as walship-restore sends it, put-wal as walship-archive does.
import { describe, expect, it } from 'vitest';
import { barmanCommand, getWalArgs, putWalArgs } from '../../../src/transport/barman-command.js';
import { quoteCommand } from '../../../src/transport/quote.js';

const base = { config: undefined, format: 'plain' as const, partial: false, serverName: 'pg' };

describe('getWalArgs', () => {
  it('fetches plainly', () => {
    expect(getWalArgs(base, { fetch: '000000010000000000000002' })).toEqual(['get-wal', 'pg', '000000010000000000000002']);
  });

  it('passes the config, the compression and --partial', () => {
    expect(getWalArgs({ ...base, config: '/etc/b.conf', format: 'gzip', partial: true }, { fetch: '000000010000000000000002' })).toEqual([
      '--config', '/etc/b.conf', 'get-wal', '--gzip', '--partial', 'pg', '000000010000000000000002',
    ]);
    expect(getWalArgs({ ...base, format: 'bzip2' }, { fetch: 'X' })).toContain('--bzip2');
    expect(getWalArgs({ ...base, format: 'keep' }, { fetch: 'X' })).toContain('--keep-compression');
  });

  it('peeks without asking for compression', () => {
    expect(getWalArgs({ ...base, format: 'gzip' }, { peek: 4, from: '000000010000000000000003' })).toEqual(['get-wal', '--peek', '4', 'pg', '000000010000000000000003']);
  });

  it('tests with the dummy WAL name barman-wal-restore uses', () => {
    expect(getWalArgs({ ...base, config: '/c' }, { test: true })).toEqual(['--config', '/c', 'get-wal', '--test', 'pg', 'dummy_wal_name']);
  });

  it('quotes a hostile config path into one word for the remote shell', () => {
    expect(quoteCommand(barmanCommand(getWalArgs({ ...base, config: "/tmp/x'; rm -rf ~ #" }, { fetch: 'X' })))).toBe(
      "barman --config '/tmp/x'\\''; rm -rf ~ #' get-wal pg X",
    );
  });
});

describe('putWalArgs', () => {
  it('is `put-wal SERVER`, with --config=CONFIG joined by `=` as barman-wal-archive sends it', () => {
    expect(putWalArgs('pg', undefined)).toEqual(['put-wal', 'pg']);
    expect(putWalArgs('pg', '/etc/barman.conf')).toEqual(['--config=/etc/barman.conf', 'put-wal', 'pg']);
  });

  it('puts --test after the server name', () => {
    expect(putWalArgs('pg', '/c', true)).toEqual(['--config=/c', 'put-wal', 'pg', '--test']);
  });

  it('runs barman on the archive host', () => {
    expect(barmanCommand(putWalArgs('pg', undefined))).toEqual(['barman', 'put-wal', 'pg']);
  });
});
