// `npm run package`: the single-file executable dist/pkg/walship (Node's single-executable
// application support + postject, issue 11 item 2) and, beside it, every command name: symlinks for
// walship-server, walship-safe-dir and barman, sh fast-path wrappers for the archive and restore
// names (rendered from the same templates as bin/, with `exec walship` instead of `exec node`).
// Runs after `npm run build` (it needs tsc's output of the template renderer). Offline: the Node
// binary copied is the one running this script; postject is an npm devDependency.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { renderFastPathFiles } from '../dist/agent/fast-path/render.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
// --snapshot: the same with a V8 startup snapshot (useSnapshot), into dist/pkg-snapshot, to measure.
const snapshot = process.argv.includes('--snapshot');
const outDir = `${root}dist/${snapshot ? 'pkg-snapshot' : 'pkg'}`;
const work = `${root}dist/sea${snapshot ? '-snapshot' : ''}`;
// Node's sentinel for the blob (documented in Node's single-executable-applications page).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const SEA_NAME = 'walship';

/** The dispatcher and every entry in one CommonJS file: Node 20's SEA runs CommonJS only. */
async function bundle() {
  await build({
    entryPoints: [snapshot ? 'src/sea/snapshot-main.ts' : 'src/sea/main.ts'],
    outfile: `${work}/walship.cjs`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    define: {
      __WALSHIP_VERSION__: JSON.stringify(version),
      __WALSHIP_SEA__: 'true',
      // Nothing in the binary resolves files beside itself (entry-spawn.ts checks IN_SEA first),
      // but import.meta.url must still be a valid URL for modules that build one at load time.
      'import.meta.url': '__walshipModuleUrl',
    },
    banner: { js: "const __walshipModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

/** Injects the bundle into a copy of this Node binary; returns the binary's path. */
function injectBlob() {
  const config = { main: `${work}/walship.cjs`, output: `${work}/walship.blob`, disableExperimentalSEAWarning: true, useSnapshot: snapshot, useCodeCache: !snapshot };
  writeFileSync(`${work}/sea-config.json`, JSON.stringify(config));
  execFileSync(process.execPath, ['--experimental-sea-config', `${work}/sea-config.json`], { stdio: 'inherit' });
  const binary = `${outDir}/${SEA_NAME}`;
  copyFileSync(process.execPath, binary);
  chmodSync(binary, 0o755);
  const postject = `${root}node_modules/.bin/postject`;
  execFileSync(postject, [binary, 'NODE_SEA_BLOB', config.output, '--sentinel-fuse', FUSE], { stdio: ['ignore', 'ignore', 'inherit'] });
  return binary;
}

/**
 * The command names beside the binary. The fast-path wrappers exec the binary in their own
 * directory (`${0%/*}`: a parameter expansion, no fork), so dist/pkg works wherever it is copied,
 * as long as the wrappers are run from it (or it is on PATH) rather than through symlinks elsewhere.
 */
function writeCommandNames() {
  const wrappers = renderFastPathFiles(root, { execTarget: `"\${0%/*}/${SEA_NAME}"` });
  for (const [name, text] of wrappers) {
    writeFileSync(`${outDir}/${name}`, text, { mode: 0o755 });
  }
  for (const name of ['walship-server', 'walship-safe-dir', 'barman']) symlinkSync(SEA_NAME, `${outDir}/${name}`);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
mkdirSync(work, { recursive: true });
await bundle();
const binary = injectBlob();
writeCommandNames();
console.log(`package: ${binary} (${version}) and its command names in ${outDir}`);
