// issue 8 (decision D7): a HINT of walship-safe-dir that prints a shell command line for an
// unusable safe dir (`install -d … DIR` for a missing one, `chmod 0700 DIR` for a loose mode)
// shell-quotes DIR, so that pasting the line into sh passes DIR as exactly one argument and runs
// nothing else. The pasted line is run by sh with `install` and `chmod` defined as functions that
// print their arguments NUL-separated, in an empty directory where any injected command would
// leave a file.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/files.js';
import { binPath, describeRun, run } from '../helpers/run.js';

const WAL = '000000010000000000000001';
/** The HINT's command starts at this word and runs to the end of the HINT line. */
type Command = 'install' | 'chmod';

let base = '';

beforeAll(async () => {
  base = await makeTempDir('walship-issue8-hint-');
  // Unquoted, `x*` below would expand to this file.
  await writeFile(`${base}/x-glob-bait`, '');
});

afterAll(async () => {
  if (base !== '') await run(['rm', '-rf', base]);
});

/**
 * --dir values, as names under `base` (it.each runs before beforeAll, so each test joins them to
 * `base` itself): spaces, `;`, `$(…)`, backquotes, both quotes, a glob, `&`, `|`, redirections.
 */
const HOSTILE = [
  'with space',
  'semi;touch pwned-semi',
  'sub$(touch pwned-sub)',
  'back`touch pwned-back`',
  "single'quote",
  'double"quote',
  'x*',
  `mix 'a' "b" $HOME & touch pwned-amp | cat > pwned-out < /dev/null \\ end`,
];

/** `name` under this file's temp directory; never anywhere else. */
function underBase(name: string): string {
  if (!base.startsWith('/tmp/walship-issue8-hint-')) throw new Error(`the temp directory is not set up (${base})`);
  return `${base}/${name}`;
}

/** The HINT line's command, from `word` to the end of the line, as a user would copy it. */
function hintCommand(stderr: string, word: Command): string {
  const hint = stderr.split('\n').find((line) => line.startsWith('HINT: ') && line.includes(`${word} `));
  if (hint === undefined) throw new Error(`no HINT with a '${word}' command in:\n${stderr}`);
  return hint.slice(hint.indexOf(`${word} `));
}

/** Pastes `command` into sh, with install/chmod printing their arguments; returns them and what else happened. */
async function pasteIntoSh(command: string): Promise<{ args: string[]; stderr: string; created: string[] }> {
  const cwd = await makeTempDir('walship-issue8-paste-');
  const script = 'install() { printf "%s\\0" "$@"; }; chmod() { printf "%s\\0" "$@"; }; eval "$1"';
  let stdout: Buffer;
  let stderr = '';
  try {
    stdout = execFileSync('sh', ['-c', script, 'sh', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stdout: Buffer; stderr: Buffer };
    stdout = failed.stdout;
    stderr = failed.stderr.toString();
  }
  const args = stdout.toString().split('\0');
  expect(args.pop(), 'printf output ends with a NUL').toBe('');
  const created = await readdir(cwd);
  await run(['rm', '-rf', cwd]);
  return { args, stderr, created };
}

/** walship-safe-dir check with `dir` as --dir; the unusable dir makes it print an ERROR and a HINT. */
const check = (dir: string) => run([binPath('walship-safe-dir'), 'check', '--dir', dir, WAL]);

async function expectOneArgument(dir: string, word: Command, prepare: (dir: string) => Promise<void>): Promise<void> {
  const plain = underBase(`plain-${word}`);
  await prepare(plain);
  const reference = await pasteIntoSh(hintCommand((await check(plain)).stderr, word));
  expect(reference.args.at(-1), 'the reference HINT ends with DIR').toBe(plain);

  await prepare(dir);
  const r = await check(dir);
  const pasted = await pasteIntoSh(hintCommand(r.stderr, word));
  expect(pasted.args, describeRun(r)).toEqual([...reference.args.slice(0, -1), dir]);
  expect(pasted.stderr, 'sh ran nothing that complained').toBe('');
  expect(pasted.created, 'no injected command ran').toEqual([]);
}

const missing = async (): Promise<void> => {};
const looseMode = async (dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true });
  execFileSync('chmod', ['0755', dir]);
};

describe('the safe-dir HINT quotes DIR for the shell', () => {
  it.each(HOSTILE)('a missing safe dir <tmp>/%s: the install -d command passes DIR as one argument and runs nothing else', async (name) => {
    await expectOneArgument(underBase(name), 'install', missing);
  });

  it.each(HOSTILE)('a safe dir <tmp>/%s with mode 0755: the chmod 0700 command passes DIR as one argument and runs nothing else', async (name) => {
    await expectOneArgument(underBase(name), 'chmod', looseMode);
  });
});
