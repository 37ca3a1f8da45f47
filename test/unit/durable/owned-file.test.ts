// issue 8 D1: a spooled segment or --batch record is opened once, and judged on that handle.
import { chmod, chown, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openOwnedFile } from '../../../src/durable/owned-file.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'walship-owned-'));
});

describe('openOwnedFile', () => {
  it('opens a regular file of ours closed to others', async () => {
    await writeFile(join(dir, 'f'), 'data', { mode: 0o600 });
    const opened = await openOwnedFile(join(dir, 'f'));
    expect(opened.kind).toBe('opened');
    if (opened.kind === 'opened') await opened.handle.close();
  });

  it('reports a missing file as missing, not as refused', async () => {
    expect(await openOwnedFile(join(dir, 'none'))).toEqual({ kind: 'missing' });
  });

  it.each([
    ['a symlink', async (path: string) => {
      await writeFile(join(dir, 'target'), 'data', { mode: 0o600 });
      await symlink(join(dir, 'target'), path);
    }, /symbolic link/],
    ["another user's file", async (path: string) => {
      await writeFile(path, 'data', { mode: 0o644 });
      await chown(path, 65534, 65534);
    }, /owned by uid 65534/],
    ['a file others may write', async (path: string) => {
      await writeFile(path, 'data');
      await chmod(path, 0o666);
    }, /writable by group or others \(mode 0666\)/],
    ['a FIFO (refused without blocking on it)', async (path: string) => {
      execFileSync('mkfifo', ['-m', '600', path]);
    }, /not a regular file/],
  ] as const)('refuses %s', async (_what, plant, reason) => {
    const path = join(dir, 'f');
    await plant(path);
    const opened = await openOwnedFile(path);
    expect(opened.kind).toBe('refused');
    expect(opened.kind === 'refused' ? opened.reason : '').toMatch(reason);
  });
});
