// `npm run package:deb`: dist/walship_<version>-1_<arch>.deb, built offline with dpkg-deb from the
// single-file executable (run `npm run package:sea` first; package:deb does). Layout and reasons
// (README "Debian package"):
//   /usr/lib/walship/walship                     the SEA binary: embeds its own Node 20, so the
//                                                package does not depend on Debian's nodejs (18 in
//                                                Debian 12, too old for walship)
//   /usr/bin/walship-{archive,restore}           sh fast paths that exec it (same templates as bin/)
//   /usr/bin/walship-{server,safe-dir}           symlinks to it
//   /usr/lib/walship/barman-compat/bin/          barman-wal-archive, barman-wal-restore, barman: the
//                                                Barman names, outside PATH so that they never clash
//                                                with barman-cli's /usr/bin files; users put this
//                                                directory first on PATH where they want them
//   /usr/share/man/man1/walship-*.1.gz, /usr/share/doc/walship/
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { renderFastPathFiles } from '../dist/agent/fast-path/render.js';
import { MAN_PAGES } from '../dist/man/pages.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const debVersion = `${pkg.version}-1`;
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
// --out DIR: where the .deb (and its staging tree) go; the install test builds into a temp dir.
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex === -1 ? `${root}dist` : process.argv[outIndex + 1].replace(/\/$/, '');
const stage = `${outDir}/deb/walship`;
// --fast: gzip -1 instead of xz (~5 s instead of ~30-90 s on two busy cores, a third larger); the
// install test uses it, since it checks what is installed, not how it was compressed.
const compression = process.argv.includes('--fast') ? ['-Zgzip', '-z1'] : ['-Zxz'];
const LIB = '/usr/lib/walship';
const COMPAT = `${LIB}/barman-compat/bin`;
// DEBFULLNAME/DEBEMAIL, as dch reads them, name whoever builds a release.
const MAINTAINER = `${process.env.DEBFULLNAME ?? 'walship maintainers'} <${process.env.DEBEMAIL ?? 'walship@users.noreply.github.com'}>`;

/**
 * What lintian says about the SEA binary that cannot change without leaving Node's binary behind;
 * each line says why (the comment lines are lintian's override format).
 */
const LINTIAN_OVERRIDES = `# Node.js links zlib statically into its binary, which is the single-file executable.
walship: embedded-library zlib [usr/lib/walship/walship]
# strip would drop the section where postject injected walship's bundle (the binary would then
# run as plain node); Node's release binaries ship unstripped for the same backtraces.
walship: unstripped-binary-or-object [usr/lib/walship/walship]
# Node.js release binaries are built without PIE; the SEA is a copy of one.
walship: hardening-no-pie [usr/lib/walship/walship]
# Built outside Debian's archive: there is no ITP bug to close.
walship: initial-upload-closes-no-bugs [usr/share/doc/walship/changelog.Debian.gz:1]
`;

/** A file under the staging root, parents created, with Debian's modes (0644, 0755 for programs). */
function put(path, content, mode = 0o644) {
  mkdirSync(`${stage}${path.slice(0, path.lastIndexOf('/'))}`, { recursive: true });
  writeFileSync(`${stage}${path}`, content);
  chmodSync(`${stage}${path}`, mode);
}

const link = (target, path) => {
  mkdirSync(`${stage}${path.slice(0, path.lastIndexOf('/'))}`, { recursive: true });
  symlinkSync(target, `${stage}${path}`);
};

/** gzip -9n: no name or time stamp in the header, so the same input gives the same bytes (lintian). */
const gz = (content) => {
  const out = gzipSync(content, { level: 9 });
  out.writeUInt32LE(0, 4); // MTIME
  return out;
};

function installPrograms() {
  const sea = `${root}dist/pkg/walship`;
  if (!existsSync(sea)) throw new Error('dist/pkg/walship is missing: run `npm run package:sea` first');
  mkdirSync(`${stage}${LIB}`, { recursive: true });
  copyFileSync(sea, `${stage}${LIB}/walship`);
  chmodSync(`${stage}${LIB}/walship`, 0o755);
  for (const [name, text] of renderFastPathFiles(root, { execTarget: `${LIB}/walship` })) {
    put(name.startsWith('barman') ? `${COMPAT}/${name}` : `/usr/bin/${name}`, text, 0o755);
  }
  link('../lib/walship/walship', '/usr/bin/walship-server');
  link('../lib/walship/walship', '/usr/bin/walship-safe-dir');
  link('../../walship', `${COMPAT}/barman`);
}

function installDocs() {
  for (const page of MAN_PAGES) {
    const name = page.executable.name;
    put(`/usr/share/man/man1/${name}.1.gz`, gz(readFileSync(`${root}dist/man/${name}.1`)));
  }
  put('/usr/share/doc/walship/README.md.gz', gz(readFileSync(`${root}README.md`)));
  put('/usr/share/doc/walship/copyright', copyright());
  put('/usr/share/doc/walship/changelog.Debian.gz', gz(changelog()));
  put('/usr/share/lintian/overrides/walship', LINTIAN_OVERRIDES);
}

const copyright = () => `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: walship
Comment: usr/lib/walship/walship is a Node.js ${process.version} binary with walship's bundle
 injected (Node's single-executable application support). walship's bundle includes
 commander and seek-bzip (MIT). Node.js is under the MIT license and bundles third-party
 code under MIT, BSD, Apache-2.0 and similar terms; see https://github.com/nodejs/node/blob/${process.version}/LICENSE

Files: *
Copyright: 2024-${new Date().getUTCFullYear()} walship contributors
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

Files: usr/lib/walship/walship
Copyright: Node.js contributors and other Node.js authors, and the authors of the code Node.js bundles
License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 THE SOFTWARE.
`;

/** The date of the last commit keeps the package reproducible from the same tree. */
const changelog = () => {
  const date = execFileSync('date', ['-R', '-d', `@${execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' }).trim()}`], { encoding: 'utf8' }).trim();
  return `walship (${debVersion}) unstable; urgency=medium\n\n  * Package walship ${pkg.version}: the single-file executable and its commands.\n\n -- ${MAINTAINER}  ${date}\n`;
};

/**
 * The libraries the SEA binary links, with the versions its symbols need, as dpkg-shlibdeps reads
 * them from the binary and the installed packages' symbols files: a hand-written list said
 * libc6 (>= 2.28) where Node 20's binary needs 2.34, so it would install where it cannot run.
 */
function sharedLibraryDepends(binary) {
  const scratch = `${outDir}/deb/shlibdeps`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(`${scratch}/debian`, { recursive: true });
  writeFileSync(`${scratch}/debian/control`, 'Source: walship\n\nPackage: walship\nArchitecture: any\n');
  const out = execFileSync('dpkg-shlibdeps', ['-O', `-e${binary}`], { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  rmSync(scratch, { recursive: true, force: true });
  const depends = /^shlibs:Depends=(.+)$/m.exec(out)?.[1];
  if (depends === undefined) throw new Error(`dpkg-shlibdeps printed no shlibs:Depends for ${binary}: ${out}`);
  return depends;
}

/** Installed-Size is in KiB, counted over the staged files. */
const installedSize = () => Number(execFileSync('du', ['-sk', '--apparent-size', `${stage}/usr`], { encoding: 'utf8' }).split('\t')[0]);

function writeControl() {
  const control = `Package: walship
Version: ${debVersion}
Architecture: ${arch}
Maintainer: ${MAINTAINER}
Installed-Size: ${installedSize()}
Depends: ${sharedLibraryDepends(`${stage}${LIB}/walship`)}
Recommends: openssh-client, bzip2
Suggests: xz-utils, zstd, lz4, barman-cli
Section: database
Priority: optional
Homepage: https://github.com/walship/walship
Description: Barman-compatible PostgreSQL WAL shipping over SSH
 walship ships PostgreSQL WAL files to a backup host over SSH and back. It
 replaces Barman's WAL path (barman-wal-archive, barman-wal-restore, barman
 put-wal/get-wal) one for one and speaks Barman's wire format, so each half
 works with the real other half.
 .
 The Barman-named commands are installed in /usr/lib/walship/barman-compat/bin,
 not on PATH, so this package installs beside barman and barman-cli.
`;
  put('/DEBIAN/control', control);
  const files = execFileSync('find', ['.', '-type', 'f', '!', '-path', './DEBIAN/*'], { cwd: stage, encoding: 'utf8' }).trim().split('\n').sort();
  const sums = files.map((file) => `${createHash('md5').update(readFileSync(`${stage}/${file}`)).digest('hex')}  ${file.slice(2)}\n`).join('');
  put('/DEBIAN/md5sums', sums);
}

rmSync(`${outDir}/deb`, { recursive: true, force: true });
installPrograms();
installDocs();
writeControl();
const output = `${outDir}/walship_${debVersion}_${arch}.deb`;
execFileSync('dpkg-deb', ['--root-owner-group', ...compression, '--build', stage, output], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`package:deb: ${output} (${Math.round(statSync(output).size / 1e6)} MB)`);
