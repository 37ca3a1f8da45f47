// The setup file's wrappers are what test code calls: a mkdtemp through either import style is seen.
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const made: string[] = [];

it('directories made with mkdtemp (promise and sync) exist during the file', async () => {
  made.push(await mkdtemp(join(tmpdir(), 'walship-cleanup-probe-')), mkdtempSync(join(tmpdir(), 'walship-cleanup-probe-')));
  for (const dir of made) expect((await stat(dir)).isDirectory()).toBe(true);
});

// Registered after the setup file's hook, so it runs before it: the directories are still there,
// and the check that they go is the setup file's own (it swallows nothing but rm errors).
afterAll(async () => {
  for (const dir of made) expect((await stat(dir)).isDirectory()).toBe(true);
});

it('the wrappers hand back the real path (no extra characters, under the temp dir)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'walship-cleanup-probe-'));
  expect(dir.startsWith(join(tmpdir(), 'walship-cleanup-probe-'))).toBe(true);
  await rm(dir, { recursive: true });
});
