// Removes, after each test file, every directory that file made with mkdtemp under the system temp
// directory. Real PostgreSQL clusters, archives and spools are large (a PITR test leaves 1.5 GiB,
// an async restore test 3 GiB): left behind, a few suite runs fill the disk, and then every
// write-path test fails for the wrong reason. A setup file (vitest.config.ts) loads this first in
// each test file's process, so it sees every mkdtemp that file's tests and fixtures make.
import type * as FsModule from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { afterAll } from 'vitest';

// The CommonJS module object is the mutable one; ES module namespaces of builtins mirror it.
const fs = createRequire(import.meta.url)('node:fs') as typeof FsModule;
const made: string[] = [];
const underTmp = (dir: string): boolean => dir.startsWith(`${tmpdir()}/`) || dir.startsWith('/tmp/');
const remember = (dir: string): string => {
  if (underTmp(dir)) made.push(dir);
  return dir;
};

const { mkdtemp } = fs.promises;
const { mkdtempSync } = fs;
fs.promises.mkdtemp = (async (prefix: string, options?: unknown) =>
  remember(String(await mkdtemp(prefix, options as FsModule.EncodingOption)))) as typeof fs.promises.mkdtemp;
fs.mkdtempSync = ((prefix: string, options?: unknown) => remember(String(mkdtempSync(prefix, options as FsModule.EncodingOption)))) as typeof fs.mkdtempSync;
// ES module imports of node:fs and node:fs/promises read these bindings: make them see the wrappers.
syncBuiltinESMExports();

afterAll(async () => {
  // Servers a file started are stopped by its own afterAll hooks, which vitest runs before this one
  // (setup-file hooks are registered first and run last). A straggler writing into a directory
  // only makes rm retry; nothing here may fail the file.
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
});
