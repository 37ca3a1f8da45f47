// mark: durable marker, idempotence, re-validation of the name on the PostgreSQL host.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidWalNameError, SafeDirUnusableError, UsageError } from '../../../src/errors.js';
import { markWal } from '../../../src/safe-dir/mark.js';
import { entries, makeSafeDir, uid } from './helpers.js';

const SEG = '000000010000000000000007';
const now = (): Date => new Date('2024-01-02T03:04:05.000Z');

describe('mark: the one remote command, validated again on the PostgreSQL host', () => {
  it('publishes <name>.done, mode 0600, with one line of content and no temp file left', async () => {
    const { dir } = makeSafeDir();
    const outcome = await markWal({ name: SEG, dir, uid, now });
    expect(outcome).toMatchObject({ result: 'marked', path: join(dir, `${SEG}.done`) });
    expect(entries(dir)).toEqual([`${SEG}.done`]);
    expect(readFileSync(join(dir, `${SEG}.done`), 'utf8')).toBe(`${SEG} archived by Barman; marked 2024-01-02T03:04:05.000Z\n`);
    expect(statSync(join(dir, `${SEG}.done`)).mode & 0o777).toBe(0o600);
  });

  it('marks a history file', async () => {
    const { dir } = makeSafeDir();
    await markWal({ name: '0000000A.history', dir, uid, now });
    expect(entries(dir)).toEqual(['0000000A.history.done']);
  });

  it('is idempotent: marking twice leaves one marker', async () => {
    const { dir } = makeSafeDir();
    await markWal({ name: SEG, dir, uid, now });
    await markWal({ name: SEG, dir, uid, now });
    expect(entries(dir)).toEqual([`${SEG}.done`]);
  });

  it('writes nothing when check has already taken the marker for that name', async () => {
    const { dir } = makeSafeDir();
    writeFileSync(join(dir, `${SEG}.archived`), '');
    expect(await markWal({ name: SEG, dir, uid, now })).toMatchObject({ result: 'already-taken' });
    expect(entries(dir)).toEqual([`${SEG}.archived`]);
  });

  it.each(['x; touch /tmp/pwned', '../../x', '$(id)', `${SEG}\nx`, '', '0000000100000000000000071'])('refuses %j and creates nothing', async (name) => {
    const { dir } = makeSafeDir();
    await expect(markWal({ name, dir, uid, now })).rejects.toBeInstanceOf(InvalidWalNameError);
    expect(entries(dir)).toEqual([]);
  });

  it.each(['000000010000000000000007.partial', '000000010000000000000007.00000028.backup'])('refuses %s: check needs no marker for it', async (name) => {
    const { dir } = makeSafeDir();
    await expect(markWal({ name, dir, uid, now })).rejects.toBeInstanceOf(UsageError);
    expect(entries(dir)).toEqual([]);
  });

  it('refuses a safe dir that is not private', async () => {
    const { dir } = makeSafeDir();
    await expect(markWal({ name: SEG, dir, uid: uid + 1, now })).rejects.toBeInstanceOf(SafeDirUnusableError);
    expect(entries(dir)).toEqual([]);
  });
});
