// The safe dir: default location, refusals (missing, file, symlink, mode, owner), entry names.
import { chmodSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafeDirUnusableError } from '../../../src/errors.js';
import { classifyEntry, requireSafeDir, resolveSafeDir } from '../../../src/safe-dir/safe-dir.js';

const uid = process.geteuid?.() ?? 0;

/** A fresh 0700 directory owned by the test's user, as the recipe creates it. */
function safeDir(): string {
  const parent = mkdtempSync(join(tmpdir(), 'walship-safedir-'));
  const dir = join(parent, 'safe');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

const refusal = async (dir: string, asUid = uid): Promise<string> => {
  const error: unknown = await requireSafeDir(dir, asUid).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SafeDirUnusableError);
  return (error as Error).message;
};

describe('the safe dir must be private to the PostgreSQL user', () => {
  it('accepts a 0700 directory owned by the running user', async () => {
    await expect(requireSafeDir(safeDir(), uid)).resolves.toBeUndefined();
  });

  it('refuses a missing directory, with the command that creates it as hint', async () => {
    const dir = join(safeDir(), 'absent');
    const error = await requireSafeDir(dir, uid).catch((e: unknown) => e);
    expect((error as SafeDirUnusableError).message).toBe(`safe dir ${dir} does not exist`);
    expect((error as SafeDirUnusableError).hint).toBe(`create it as the PostgreSQL user's private directory: install -d -m 0700 -o postgres -g postgres ${dir}`);
  });

  it('refuses a regular file', async () => {
    const file = join(safeDir(), 'file');
    writeFileSync(file, '');
    expect(await refusal(file)).toBe(`safe dir ${file} is not a directory`);
  });

  it('refuses a symbolic link even to a good directory', async () => {
    const target = safeDir();
    const link = join(safeDir(), 'link');
    symlinkSync(target, link);
    expect(await refusal(link)).toBe(`safe dir ${link} is a symbolic link`);
  });

  it.each([0o755, 0o750, 0o701, 0o1700, 0o600])('refuses mode %o', async (mode) => {
    const dir = safeDir();
    chmodSync(dir, mode);
    expect(await refusal(dir)).toBe(`safe dir ${dir} has mode ${mode.toString(8).padStart(4, '0')}, not 0700`);
  });

  it('refuses a directory owned by another user', async () => {
    const dir = safeDir();
    const owner = statSync(dir).uid;
    expect(await refusal(dir, owner + 1)).toBe(`safe dir ${dir} is owned by uid ${owner}, not by the running user (uid ${owner + 1})`);
  });
});

describe('where the safe dir is', () => {
  it('defaults to ~/.wal_safe_dir of the running user', () => {
    expect(resolveSafeDir(undefined, '/home/pg')).toBe('/home/pg/.wal_safe_dir');
  });
  it('expands a leading ~/ and keeps absolute paths', () => {
    expect(resolveSafeDir('~/x/y', '/home/pg')).toBe('/home/pg/x/y');
    expect(resolveSafeDir('~', '/home/pg')).toBe('/home/pg');
    expect(resolveSafeDir('/srv/safe', '/home/pg')).toBe('/srv/safe');
  });
  it('resolves a relative path against the working directory (archive_command runs in PGDATA)', () => {
    expect(resolveSafeDir('safe', '/home/pg')).toBe(join(process.cwd(), 'safe'));
  });
});

describe('safe dir entries', () => {
  it('tells markers, taken markers, temp files and foreign files apart', () => {
    expect(classifyEntry('000000010000000000000001.done')).toMatchObject({ kind: 'marker', wal: { name: '000000010000000000000001' } });
    expect(classifyEntry('00000002.history.done')).toMatchObject({ kind: 'marker', wal: { kind: 'history' } });
    expect(classifyEntry('000000010000000000000001.archived')).toMatchObject({ kind: 'taken' });
    expect(classifyEntry('.000000010000000000000001.done.123.abcd.walship-tmp')).toEqual({ kind: 'temp', entry: '.000000010000000000000001.done.123.abcd.walship-tmp' });
    expect(classifyEntry('notes.txt')).toEqual({ kind: 'unknown', entry: 'notes.txt' });
    expect(classifyEntry('x.done')).toEqual({ kind: 'unknown', entry: 'x.done' });
    expect(classifyEntry('000000010000000000000001')).toEqual({ kind: 'unknown', entry: '000000010000000000000001' });
  });
});
