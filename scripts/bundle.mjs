// Bundles each executable's entry point into one ES module in dist/bundle/, which bin/ imports.
// Measured here: one file instead of ~40 ES modules saves 30-50 ms of start-up per process
// (walship-archive --version 193 → 143 ms), paid on both ends of every archive or restore call.
// prefetch-main.js is its own entry because walship-restore spawns it by path, next to itself.
// The version is injected here (src/cli/version.ts), so the bundle reads no package.json at run time.
// Then it renders bin/'s archive and restore entries, the sh fast paths (issue 9 design §1.3), from
// their templates with tsc's output of src/agent/fast-path/render.ts: `npm run build` runs tsc first.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { renderFastPathFiles } from '../dist/agent/fast-path/render.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const entries = {
  archive: 'src/archive/main.ts',
  restore: 'src/restore/main.ts',
  'prefetch-main': 'src/restore/prefetch/main.ts',
  'archive-agent': 'src/archive/agent/main.ts',
  'restore-agent': 'src/restore/agent/main.ts',
  server: 'src/server/main.ts',
  'safe-dir': 'src/safe-dir/main.ts',
};

await build({
  entryPoints: entries,
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  define: { __WALSHIP_VERSION__: JSON.stringify(version) },
  // commander and seek-bzip are CommonJS; give the ES module bundle a require() for them.
  banner: { js: "import { createRequire as __walshipCreateRequire } from 'node:module'; const require = __walshipCreateRequire(import.meta.url);" },
});

// The rendered files are committed too (a unit test compares them with a fresh render), so a
// checkout runs without a build; write only what changed, to leave git and mtimes alone.
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
for (const [name, text] of renderFastPathFiles(repoRoot)) {
  const path = `${repoRoot}bin/${name}`;
  let current;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) writeFileSync(path, text);
  chmodSync(path, 0o755);
}
