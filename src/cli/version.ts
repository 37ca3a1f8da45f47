// walship's version, as package.json states it: injected by scripts/bundle.mjs at build time, read
// from package.json when running unbundled (tsc output, unit tests), so there is one source.

import { readFileSync } from 'node:fs';

/** Replaced by esbuild's `define` with the version string; undeclared (typeof 'undefined') otherwise. */
declare const __WALSHIP_VERSION__: string | undefined;

/** src/cli/version.ts and dist/cli/version.js both sit two levels below the package root. */
const readPackageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const VERSION: string = typeof __WALSHIP_VERSION__ === 'string' ? __WALSHIP_VERSION__ : readPackageVersion();
