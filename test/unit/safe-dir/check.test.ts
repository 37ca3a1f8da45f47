// check: taking markers, the .archived life cycle, exempt names, invalid names.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidWalNameError, SafeDirUnusableError } from '../../../src/errors.js';
import { checkWal } from '../../../src/safe-dir/check.js';
import { entries, makeSafeDir, uid } from './helpers.js';

const SEG = '000000010000000000000003';
const check = (dir: string, name: string, more: { waitMs?: number; acceptHistory?: boolean } = {}) =>
  checkWal({ name, dir, uid, waitMs: more.waitMs ?? 0, acceptHistory: more.acceptHistory ?? false });

describe('check: archive_command succeeds only for what Barman marked', () => {
  it('is not safe while no marker exists, and touches nothing', async () => {
    const { dir } = makeSafeDir();
    expect(await check(dir, SEG)).toMatchObject({ safe: false });
    expect(entries(dir)).toEqual([]);
  });

  it('takes the marker: <name>.done becomes <name>.archived with the same bytes', async () => {
    const { dir } = makeSafeDir();
    writeFileSync(join(dir, `${SEG}.done`), 'from barman\n');
    expect(await check(dir, SEG)).toMatchObject({ safe: true, reason: 'marker' });
    expect(entries(dir)).toEqual([`${SEG}.archived`]);
    expect(readFileSync(join(dir, `${SEG}.archived`), 'utf8')).toBe('from barman\n');
  });

  it('says safe again when PostgreSQL asks for the same name after a crash (the taken marker is the fact)', async () => {
    const { dir } = makeSafeDir();
    writeFileSync(join(dir, `${SEG}.archived`), '');
    expect(await check(dir, SEG)).toMatchObject({ safe: true, reason: 'taken-before' });
    expect(entries(dir)).toEqual([`${SEG}.archived`]);
  });

  it('drops taken markers of earlier names: the archiver asks for the next file only after recording the last', async () => {
    const { dir } = makeSafeDir();
    writeFileSync(join(dir, '000000010000000000000001.archived'), '');
    writeFileSync(join(dir, '000000010000000000000002.archived'), '');
    writeFileSync(join(dir, '000000010000000000000005.done'), '');
    expect(await check(dir, SEG)).toMatchObject({ safe: false });
    expect(entries(dir)).toEqual(['000000010000000000000005.done']);
  });

  it('finds a marker that appears while it waits', async () => {
    const { dir } = makeSafeDir();
    setTimeout(() => writeFileSync(join(dir, `${SEG}.done`), ''), 250);
    const started = Date.now();
    expect(await check(dir, SEG, { waitMs: 10_000 })).toMatchObject({ safe: true, reason: 'marker' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(entries(dir)).toEqual([`${SEG}.archived`]);
  });

  it('gives up after --wait', async () => {
    const { dir } = makeSafeDir();
    const started = Date.now();
    expect(await check(dir, SEG, { waitMs: 600 })).toMatchObject({ safe: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
  });

  it('does not accept a marker or a taken marker that is a symlink or a directory', async () => {
    const { dir, parent } = makeSafeDir();
    writeFileSync(join(parent, 'elsewhere'), '');
    symlinkSync(join(parent, 'elsewhere'), join(dir, `${SEG}.archived`));
    mkdirSync(join(dir, `${SEG}.done`));
    expect(await check(dir, SEG)).toMatchObject({ safe: false });
    expect(entries(dir)).toEqual([`${SEG}.archived`, `${SEG}.done`]);
  });
});

describe('check: names that need no marker, and names that are not WAL', () => {
  it('accepts a real backup label without a marker', async () => {
    const { dir } = makeSafeDir();
    expect(await check(dir, '000000010000000000000002.00000028.backup')).toMatchObject({ safe: true, reason: 'backup-label' });
  });

  it('accepts a .partial without a marker', async () => {
    const { dir } = makeSafeDir();
    expect(await check(dir, '000000010000000000000002.partial')).toMatchObject({ safe: true, reason: 'partial' });
  });

  it('waits for a marker for a history file unless --accept-history', async () => {
    const { dir } = makeSafeDir();
    expect(await check(dir, '00000002.history')).toMatchObject({ safe: false });
    expect(await check(dir, '00000002.history', { acceptHistory: true })).toMatchObject({ safe: true, reason: 'history-accepted' });
    writeFileSync(join(dir, '00000002.history.done'), '');
    expect(await check(dir, '00000002.history')).toMatchObject({ safe: true, reason: 'marker' });
  });

  it.each([
    'x.backup',
    '000000010000000000000002.backup',
    '000000010000000000000002.backup.00000028',
    'foo.00000028.backup',
    '../000000010000000000000002',
    '000000010000000000000002/../../x',
    '0000000100000000000000020',
    '00000000000000000000000A',
    '',
  ])('refuses %j as a name before looking at the safe dir', async (name) => {
    const { dir } = makeSafeDir();
    await expect(check(`${dir}/missing`, name)).rejects.toBeInstanceOf(InvalidWalNameError);
    expect(entries(dir)).toEqual([]);
  });

  it('refuses to answer from an unusable safe dir, even for a backup label', async () => {
    const { dir } = makeSafeDir();
    await expect(check(`${dir}/missing`, '000000010000000000000002.00000028.backup')).rejects.toBeInstanceOf(SafeDirUnusableError);
  });
});
