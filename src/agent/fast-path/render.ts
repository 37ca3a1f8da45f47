// Renders bin/'s archive and restore entries from the sh templates beside this file (design §1.3):
// `@NAME@` placeholders become the layout's names (shConstants), so sh and Node cannot drift apart.
// scripts/bundle.mjs writes the result; a unit test renders again and compares with bin/.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHIVE, RESTORE, type Executable } from '../../cli/executables.js';
import { shConstants } from '../layout.js';

/** One template and the executables rendered from it: the walship name and its Barman alias. */
export interface FastPathEntry {
  template: string;
  executable: Executable;
}

export const FAST_PATH_ENTRIES: readonly FastPathEntry[] = [
  { template: 'archive.sh.in', executable: ARCHIVE },
  { template: 'restore.sh.in', executable: RESTORE },
];

/** Where the templates live, relative to the repository root (they are not compiled to dist/). */
export const TEMPLATE_DIR = 'src/agent/fast-path';

const PLACEHOLDER_RE = /@([A-Z][A-Z0-9_]*)@/g;

/**
 * Substitutes every placeholder. An unknown name throws, and so does a result in which the sh
 * part would end the JS comment early: Node would then parse sh as JavaScript.
 */
export function renderFastPath(template: string, constants: Readonly<Record<string, string>>): string {
  const rendered = template.replace(PLACEHOLDER_RE, (_match, name: string) => {
    const value = constants[name];
    if (value === undefined) throw new Error(`fast path template: unknown placeholder @${name}@`);
    return value;
  });
  const closes = rendered.split('*/').length - 1;
  if (!rendered.startsWith("#!/bin/sh\n':' /*") || closes !== 1) {
    throw new Error('fast path template: must open one JS comment on line 2 and close it once, after the sh part');
  }
  return rendered;
}

export interface RenderOptions {
  /**
   * What the sh part execs when Node must decide, as sh text: `node` (bin/: Node runs this same
   * file, whose JS part imports the bundle) or the single-file executable, which dispatches on its
   * first argument, "$0" (scripts/package-sea.mjs, scripts/package-deb.mjs). The JS part is then
   * never read.
   */
  execTarget?: string;
}

/** The sh text of an exec target: a bare word or a double-quoted path, so it cannot run anything else. */
const checkExecTarget = (target: string): string => {
  if (!/^(node|"[A-Za-z0-9_./${}%*-]+"|\/[A-Za-z0-9_./-]+)$/.test(target)) throw new Error(`fast path template: unsafe exec target ${target}`);
  return target;
};

/** Every bin/ file rendered from the templates: name (walship's and each alias) → content. */
export function renderFastPathFiles(repoRoot: string, { execTarget = 'node' }: RenderOptions = {}): Map<string, string> {
  const files = new Map<string, string>();
  const constants = { ...shConstants(), EXEC_TARGET: checkExecTarget(execTarget) };
  for (const { template, executable } of FAST_PATH_ENTRIES) {
    const text = renderFastPath(readFileSync(join(repoRoot, TEMPLATE_DIR, template), 'utf8'), constants);
    // Aliases are copies, not symlinks: a copy survives any packaging, and the name comes from $0.
    for (const name of [executable.name, ...executable.aliases]) files.set(name, text);
  }
  return files;
}
