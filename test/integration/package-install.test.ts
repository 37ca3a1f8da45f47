// issue 11 "Must show": the .deb installs on this machine beside barman-cli, every command answers
// --version and --help, `man walship-archive` renders, barman-cli's own commands are untouched, and
// `apt-get remove` leaves no file behind; the npm tarball does the same under `npm install -g
// --prefix`. The .deb is built here from dist/pkg (--fast: gzip, a few seconds); the tarball
// without its prepack build, which would rewrite dist/ under the test files running in parallel.
import { readdir } from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/files.js';
import { requireSea } from '../helpers/package.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun, repoRoot, run } from '../helpers/run.js';

const COMPAT = '/usr/lib/walship/barman-compat/bin';
const COMMANDS = ['walship-archive', 'walship-restore', 'walship-server', 'walship-safe-dir'];
const ALIASES = ['barman-wal-archive', 'barman-wal-restore', 'barman'];
let work = '';

beforeAll(async () => {
  requireIntegration(['root', 'barman-cli']);
  requireSea();
  work = await makeTempDir('walship-install-');
}, 60_000);

afterAll(async () => {
  await run(['apt-get', 'remove', '-y', '-qq', 'walship']);
  if (work !== '') await run(['rm', '-rf', work]);
});

/** `name --version` prints "name VERSION" and `--help` a usage line, both exit 0. */
async function expectAnswers(path: string, name: string, env?: Record<string, string>): Promise<void> {
  const version = await run([path, '--version'], { env });
  expect({ code: version.code, stdout: version.stdout.toString() }, describeRun(version)).toEqual({ code: 0, stdout: expect.stringMatching(new RegExp(`^${name} \\d+\\.\\d+\\.\\d+\\n$`)) });
  const help = await run([path, '--help'], { env });
  expect(help.code, describeRun(help)).toBe(0);
  expect(help.stdout.toString()).toMatch(new RegExp(`^Usage: ${name} `));
}

/** A path left after removal is fine only as a directory another package owns (/usr/bin …). */
const sharedDirectory = async (path: string): Promise<boolean> =>
  lstatSync(path).isDirectory() && (await run(['dpkg', '-S', path])).code === 0;

describe('the Debian package', () => {
  let deb = '';

  beforeAll(async () => {
    await run(['apt-get', 'remove', '-y', '-qq', 'walship']);
    const built = await run(['node', `${repoRoot}/scripts/package-deb.mjs`, '--fast', '--out', work], { timeoutMs: 120_000 });
    expect(built.code, describeRun(built)).toBe(0);
    deb = `${work}/${(await readdir(work)).find((name) => name.endsWith('.deb'))}`;
  }, 180_000);

  it('installs beside barman-cli, answers as each command, renders its man page, removes without a trace', async () => {
    const install = await run(['apt-get', 'install', '-y', '-qq', deb], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 120_000 });
    expect(install.code, describeRun(install)).toBe(0);
    for (const name of COMMANDS) await expectAnswers(`/usr/bin/${name}`, name);
    for (const name of ALIASES) await expectAnswers(`${COMPAT}/${name}`, name);
    // barman-cli's commands still own their names in /usr/bin.
    expect((await run(['/usr/bin/barman-wal-archive', '--version'])).stdout.toString()).toMatch(/^barman-wal-archive 3\./);
    const man = await run(['man', '-P', 'cat', 'walship-archive'], { env: { MANWIDTH: '80' } });
    expect(man.code, describeRun(man)).toBe(0);
    expect(man.stdout.toString()).toContain('EXIT STATUS');

    const files = (await run(['dpkg', '-L', 'walship'])).stdout.toString().trim().split('\n').filter((path) => path !== '/.');
    expect(files).toContain('/usr/lib/walship/walship');
    const remove = await run(['apt-get', 'remove', '-y', '-qq', 'walship'], { timeoutMs: 120_000 });
    expect(remove.code, describeRun(remove)).toBe(0);
    const left = [];
    for (const path of files) if (lstatSync(path, { throwIfNoEntry: false }) && !(await sharedDirectory(path))) left.push(path);
    expect(left).toEqual([]);
  }, 180_000);
});

describe('the npm tarball', () => {
  it('installs with npm install -g --prefix, runs every command with no build step, uninstalls cleanly', async () => {
    const packed = await run(['npm', 'pack', '--ignore-scripts', '--pack-destination', work], { cwd: repoRoot });
    expect(packed.code, describeRun(packed)).toBe(0);
    const tarball = `${work}/${packed.stdout.toString().trim().split('\n').pop()}`;
    const prefix = `${work}/prefix`;
    const install = await run(['npm', 'install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { timeoutMs: 120_000 });
    expect(install.code, describeRun(install)).toBe(0);
    for (const name of [...COMMANDS, ...ALIASES]) await expectAnswers(`${prefix}/bin/${name}`, name);
    const man = await run(['man', '-P', 'cat', 'walship-restore'], { env: { MANPATH: `${prefix}/share/man`, MANWIDTH: '80' } });
    expect(man.stdout.toString(), describeRun(man)).toContain('EXIT STATUS');

    const uninstall = await run(['npm', 'uninstall', '-g', '--prefix', prefix, 'walship'], { timeoutMs: 120_000 });
    expect(uninstall.code, describeRun(uninstall)).toBe(0);
    const left = await run(['find', prefix, '!', '-type', 'd']);
    expect(left.stdout.toString()).toBe('');
  }, 180_000);
});
