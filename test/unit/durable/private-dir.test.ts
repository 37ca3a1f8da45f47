// issue 8 D1: the rule for the spool and --batch record directories. Runs as root, so "another
// user" is uid 65534 (nobody) by chown; root-owned ancestors are trusted, as /var/tmp is.
import { chmod, chown, lchown, lstat, mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { UnsafeDirectoryError } from '../../../src/errors.js';
import { openPrivateDir } from '../../../src/durable/private-dir.js';

const OTHER_UID = 65534;
let root = '';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'walship-private-'));
});

const modeOf = async (path: string): Promise<number> => (await lstat(path)).mode & 0o7777;
const refusal = (promise: Promise<unknown>): Promise<UnsafeDirectoryError> =>
  promise.then(() => { throw new Error('accepted'); }, (error: unknown) => error as UnsafeDirectoryError);

describe('openPrivateDir', () => {
  it('creates each missing level, the base and the namespace levels, 0700, one at a time', async () => {
    const { dir } = await openPrivateDir(join(root, 'home', '.walship', 'spool'), 'bm@host/pg');
    expect(dir).toBe(join(root, 'home', '.walship', 'spool', 'bm@host', 'pg'));
    for (const level of ['home', 'home/.walship', 'home/.walship/spool', 'home/.walship/spool/bm@host', 'home/.walship/spool/bm@host/pg']) {
      expect(await modeOf(join(root, level)), level).toBe(0o700);
    }
  });

  it('reuses its own directory (0755 is fine: nobody else can write it)', async () => {
    await mkdir(join(root, 'spool'), { mode: 0o755 });
    await chmod(join(root, 'spool'), 0o755);
    await expect(openPrivateDir(join(root, 'spool'), 'ns')).resolves.toEqual({ dir: join(root, 'spool', 'ns') });
  });

  it('accepts a world-writable ancestor with the sticky bit (like /var/tmp)', async () => {
    await mkdir(join(root, 'shared'));
    await chmod(join(root, 'shared'), 0o1777);
    await expect(openPrivateDir(join(root, 'shared', 'spool'), 'ns')).resolves.toBeDefined();
  });

  it('never follows a symlink at the base, even to a directory of ours, and creates nothing there', async () => {
    await mkdir(join(root, 'target'), { mode: 0o700 });
    await symlink(join(root, 'target'), join(root, 'spool'));
    const error = await refusal(openPrivateDir(join(root, 'spool'), 'ns'));
    expect(error).toBeInstanceOf(UnsafeDirectoryError);
    expect(error.path).toBe(join(root, 'spool'));
    expect(error.message).toMatch(/symbolic link/);
    expect(await readdir(join(root, 'target'))).toEqual([]);
  });

  it('refuses a base owned by another user', async () => {
    await mkdir(join(root, 'spool'), { mode: 0o755 });
    await chown(join(root, 'spool'), OTHER_UID, OTHER_UID);
    expect((await refusal(openPrivateDir(join(root, 'spool'), 'ns'))).message).toMatch(/owned by uid 65534/);
    expect(await readdir(join(root, 'spool'))).toEqual([]);
  });

  it('refuses a namespace level that is a symlink', async () => {
    await mkdir(join(root, 'spool', 'host'), { recursive: true, mode: 0o700 });
    await mkdir(join(root, 'elsewhere'), { mode: 0o700 });
    await symlink(join(root, 'elsewhere'), join(root, 'spool', 'host', 'pg'));
    expect((await refusal(openPrivateDir(join(root, 'spool'), 'host/pg'))).path).toBe(join(root, 'spool', 'host', 'pg'));
  });

  it('refuses everything below a world-writable ancestor without the sticky bit, before creating anything', async () => {
    await mkdir(join(root, 'loose'));
    await chmod(join(root, 'loose'), 0o777);
    const error = await refusal(openPrivateDir(join(root, 'loose', 'a', 'spool'), 'ns'));
    expect(error.path).toBe(join(root, 'loose'));
    expect(error.message).toMatch(/without the sticky bit/);
    expect(await readdir(join(root, 'loose'))).toEqual([]);
  });

  it('refuses an ancestor owned by another user, even a closed one', async () => {
    await mkdir(join(root, 'theirs'), { mode: 0o755 });
    await chown(join(root, 'theirs'), OTHER_UID, OTHER_UID);
    expect((await refusal(openPrivateDir(join(root, 'theirs', 'spool'), 'ns'))).path).toBe(join(root, 'theirs'));
  });

  it('refuses an ancestor reached through a symlink another user owns (they could re-point it)', async () => {
    await mkdir(join(root, 'real'), { mode: 0o755 });
    await symlink(join(root, 'real'), join(root, 'link'));
    await lchown(join(root, 'link'), OTHER_UID, OTHER_UID);
    expect((await refusal(openPrivateDir(join(root, 'link', 'spool'), 'ns'))).path).toBe(join(root, 'link'));
  });

  it('checks where a trusted symlinked ancestor points', async () => {
    await mkdir(join(root, 'theirs'), { mode: 0o755 });
    await chown(join(root, 'theirs'), OTHER_UID, OTHER_UID);
    await symlink(join(root, 'theirs'), join(root, 'link'));
    expect((await refusal(openPrivateDir(join(root, 'link', 'spool'), 'ns'))).path).toBe(join(root, 'theirs'));
  });

  it('refuses a dangling symlinked ancestor with the typed error', async () => {
    await symlink(join(root, 'nowhere'), join(root, 'link'));
    expect(await refusal(openPrivateDir(join(root, 'link', 'spool'), 'ns'))).toBeInstanceOf(UnsafeDirectoryError);
  });

  it('refuses a base that is a file', async () => {
    await writeFile(join(root, 'file'), 'x');
    expect((await refusal(openPrivateDir(join(root, 'file'), 'ns'))).message).toMatch(/not a directory/);
  });
});
