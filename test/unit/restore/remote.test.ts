// The remote get-wal argument vectors walship-restore sends.
import { describe, expect, it } from 'vitest';
import { getWalArgs } from '../../../src/restore/remote.js';
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
    expect(quoteCommand(['barman', ...getWalArgs({ ...base, config: "/tmp/x'; rm -rf ~ #" }, { fetch: 'X' })])).toBe(
      "barman --config '/tmp/x'\\''; rm -rf ~ #' get-wal pg X",
    );
  });
});
