// Unbundled (tsc output, unit tests) the version comes from package.json, as the bundle's does.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { VERSION } from '../../../src/cli/version.js';

it('is the version package.json states', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(VERSION).toBe(version);
});
