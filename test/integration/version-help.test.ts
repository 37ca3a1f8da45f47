// issue 7: `-V`, `--version` and `--help` on every executable and alias in bin/, one shape for all:
// `NAME VERSION` (the version package.json states), help on stdout, exit 0, nothing on stderr; and a
// usage error is `ERROR: ...` plus `HINT: see NAME --help`, exit 2, nothing on stdout.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';

const { version } = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };

const EXECUTABLES = [
  'walship-archive',
  'barman-wal-archive',
  'walship-restore',
  'barman-wal-restore',
  'walship-server',
  'barman',
  'walship-safe-dir',
];

/** Subcommands, which answer --help and -V the same way under their executable's name. */
const SUBCOMMANDS: Array<[string, string]> = [
  ['walship-server', 'put-wal'],
  ['walship-server', 'get-wal'],
  ['barman', 'put-wal'],
  ['barman', 'get-wal'],
  ['walship-safe-dir', 'check'],
  ['walship-safe-dir', 'mark'],
  ['walship-safe-dir', 'notify'],
  ['walship-safe-dir', 'sweep'],
];

const runBin = (name: string, args: string[]) => run([binPath(name), ...args], { timeoutMs: 20_000 });

describe.each(EXECUTABLES)('%s', (name) => {
  it.each([['-V'], ['--version']])(`%s prints "${name} ${version}" on stdout and exits 0`, async (flag) => {
    const r = await runBin(name, [flag]);
    expect({ code: r.code, stdout: r.stdout.toString(), stderr: r.stderr }, describeRun(r)).toEqual({ code: 0, stdout: `${name} ${version}\n`, stderr: '' });
  });

  it('--help prints its usage on stdout, naming itself, and exits 0', async () => {
    const r = await runBin(name, ['--help']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toBe('');
    const text = r.stdout.toString();
    expect(text).toMatch(new RegExp(`^Usage: ${name} \\S`));
    expect(text).toContain('  -V, --version ');
    expect(text).toContain('  -h, --help ');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('an unknown option: the ERROR line, a HINT naming its help, exit 2, nothing on stdout', async () => {
    const r = await runBin(name, ['--bogus']);
    expect({ code: r.code, stdout: r.stdout.toString(), stderr: r.stderr }, describeRun(r)).toEqual({
      code: 2,
      stdout: '',
      stderr: `ERROR: unknown option '--bogus'\nHINT: see ${name} --help\n`,
    });
  });
});

describe.each(SUBCOMMANDS)('%s %s', (name, subcommand) => {
  it('--help prints its usage on stdout and exits 0', async () => {
    const r = await runBin(name, [subcommand, '--help']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toMatch(new RegExp(`^Usage: ${name} ${subcommand} \\[options\\]`));
  });

  it(`-V prints "${name} ${version}" and exits 0`, async () => {
    const r = await runBin(name, [subcommand, '-V']);
    expect({ code: r.code, stdout: r.stdout.toString(), stderr: r.stderr }, describeRun(r)).toEqual({ code: 0, stdout: `${name} ${version}\n`, stderr: '' });
  });

  it('an unknown option: the ERROR line, a HINT naming its help, exit 2', async () => {
    const r = await runBin(name, [subcommand, '--bogus']);
    expect({ code: r.code, stdout: r.stdout.toString(), stderr: r.stderr }, describeRun(r)).toEqual({
      code: 2,
      stdout: '',
      stderr: `ERROR: unknown option '--bogus'\nHINT: see ${name} ${subcommand} --help\n`,
    });
  });
});
