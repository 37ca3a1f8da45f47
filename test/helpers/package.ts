// The packaged forms of walship the package tests run: the single-file executable in dist/pkg
// (built by scripts/test.sh, or `npm run package:sea`), never rebuilt by a test, since other test
// files run from the same tree in parallel.
import { statSync } from 'node:fs';
import { repoRoot } from './run.js';

export const SEA_DIR = `${repoRoot}/dist/pkg`;
export const seaPath = (name: string): string => `${SEA_DIR}/${name}`;

/** Throws (never skips) when dist/pkg/walship is missing or older than the bundle it should contain. */
export function requireSea(): void {
  const mtime = (path: string): number => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (mtime(seaPath('walship')) < mtime(`${repoRoot}/dist/bundle/archive.js`)) {
    throw new Error('dist/pkg/walship is missing or older than dist/bundle: run `npm run package:sea` (npm test does)');
  }
}
