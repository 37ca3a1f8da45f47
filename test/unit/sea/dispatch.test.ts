// The single-file executable runs the command it is named by, else the one its first argument names.
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../src/sea/dispatch.js';

const BIN = '/usr/lib/walship/walship';

describe('single-file executable dispatch', () => {
  it.each([
    ['walship-archive', 'archive'],
    ['barman-wal-archive', 'archive'],
    ['walship-restore', 'restore'],
    ['barman-wal-restore', 'restore'],
    ['walship-server', 'server'],
    ['barman', 'server'],
    ['walship-safe-dir', 'safe-dir'],
  ])('run by the name %s (a symlink), it runs the %s entry and keeps the name for help lines', (name, entry) => {
    expect(dispatch([BIN, `/usr/bin/${name}`, '-V'])).toEqual({ kind: 'entry', entry, argv: [BIN, `/usr/bin/${name}`, '-V'] });
  });

  it('run as walship, the first argument names the command (what the sh fast paths exec: walship "$0" ARGS)', () => {
    expect(dispatch([BIN, BIN, '/usr/lib/walship/barman-compat/bin/barman-wal-restore', 'h', 's'])).toEqual({
      kind: 'entry',
      entry: 'restore',
      argv: [BIN, '/usr/lib/walship/barman-compat/bin/barman-wal-restore', 'h', 's'],
    });
  });

  it('starts the worker entries walship spawns itself', () => {
    expect(dispatch([BIN, BIN, 'archive-agent', 'x'])).toMatchObject({ kind: 'entry', entry: 'archive-agent', argv: [BIN, 'archive-agent', 'x'] });
    expect(dispatch([BIN, BIN, 'prefetch-main', '{}'])).toMatchObject({ kind: 'entry', entry: 'prefetch-main' });
  });

  it('answers its own help and version, and refuses an unknown command', () => {
    expect(dispatch([BIN, 'walship'])).toEqual({ kind: 'help' });
    expect(dispatch([BIN, 'walship', '--help'])).toEqual({ kind: 'help' });
    expect(dispatch([BIN, 'walship', '-V'])).toEqual({ kind: 'version' });
    expect(dispatch([BIN, 'walship', 'put-wal'])).toEqual({ kind: 'unknown', name: 'put-wal' });
  });
});
