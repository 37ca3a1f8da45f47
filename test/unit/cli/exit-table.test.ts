// Error → exit status tables: first matching row, a status computed from the error, the fallback.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitRow, exitStatusFor, formatError, guard, type ExitTable } from '../../../src/cli/exit-table.js';
import { RemoteCommandError, UsageError, WalshipError } from '../../../src/errors.js';

const TABLE: ExitTable = { rows: [[UsageError, 2], exitRow(RemoteCommandError, (error) => error.status), [WalshipError, 7]], unexpected: 9 };

describe('exitStatusFor', () => {
  it.each([
    ['a fixed row', new UsageError('x'), 2],
    ["a row computed from the error (the remote's status)", new RemoteCommandError('x', 42), 42],
    ['a base-class row after its subclasses', new WalshipError('x'), 7],
    ['a plain Error: the unexpected status', new Error('x'), 9],
    ['a thrown non-Error: the unexpected status', 'boom', 9],
  ])('%s', (_what, error, status) => {
    expect(exitStatusFor(TABLE, error)).toBe(status);
  });
});

describe('formatError and guard', () => {
  it('one ERROR line, plus a HINT line when there is a hint', () => {
    expect(formatError(new UsageError('bad', { hint: 'see x --help' }))).toBe('ERROR: bad\nHINT: see x --help\n');
    expect(formatError('boom')).toBe('ERROR: boom\n');
  });

  it('guard prints the failure and returns its status; a success passes through', async () => {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await guard({ stderr }, TABLE, async () => 0)).toBe(0);
    expect(await guard({ stderr }, TABLE, async () => Promise.reject(new RemoteCommandError('remote failed', 4)))).toBe(4);
    expect(text).toBe('ERROR: remote failed\n');
  });
});
