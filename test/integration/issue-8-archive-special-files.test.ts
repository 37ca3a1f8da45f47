// issue 8 (decision D4): walship-archive with WAL_PATH a FIFO (nobody writing), a unix socket or a
// device exits 2 promptly with an ERROR line saying it is not a regular file, and sends nothing.
// Regression: it opened WAL_PATH before checking its type, and open(2) on a FIFO blocks forever.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';

const SEGMENT = '000000010000000000000003';
/** A hang fails the test here instead of hanging it: far above a normal run, far below the test timeout. */
const PROMPT_MS = 10_000;

let work = '';
let configPath = '';
let incoming = '';
let socketServer: Server | undefined;

beforeAll(async () => {
  requireIntegration(['root']);
  work = await makeTempDir('walship-issue8-special-');
  configPath = `${work}/barman.conf`;
  await writeFile(configPath, `[barman]\nbarman_home = ${work}/home\n\n[pg]\ndescription = special files\n`);
  incoming = `${work}/home/pg/incoming`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
  if (work !== '') await run(['rm', '-rf', work]);
});

/** A fresh directory holding nothing yet, as pg_wal would, with `make` creating WAL_PATH in it. */
async function walPathIn(tag: string): Promise<string> {
  const dir = `${work}/${tag}`;
  await mkdir(dir);
  return `${dir}/${SEGMENT}`;
}

const archive = (walPath: string) =>
  run([binPath('walship-archive'), '--transport', 'local', '-c', configPath, 'archive-host', 'pg', walPath], { timeoutMs: PROMPT_MS });

const expectRefused = async (walPath: string): Promise<void> => {
  const started = Date.now();
  const r = await archive(walPath);
  expect(r.code, describeRun(r)).toBe(2);
  const [first, ...rest] = r.stderr.split('\n').filter((line) => line !== '');
  expect(first, describeRun(r)).toMatch(new RegExp(`^ERROR: WAL_PATH ${walPath} is not a regular file`));
  expect(rest.filter((line) => !line.startsWith('HINT: ')), 'one ERROR line (a HINT may follow)').toEqual([]);
  expect(Date.now() - started, 'exits promptly').toBeLessThan(PROMPT_MS);
  expect(await readdir(incoming).catch(() => [] as string[]), 'nothing reaches incoming/').toEqual([]);
};

describe('WAL_PATH that is not a regular file', () => {
  it('a FIFO with no writer: exit 2 promptly with "is not a regular file"', async () => {
    const path = await walPathIn('fifo');
    execFileSync('mkfifo', [path]);
    await expectRefused(path);
  });

  it('a unix socket: exit 2 with "is not a regular file"', async () => {
    const path = await walPathIn('socket');
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer!.listen(path, resolve));
    await expectRefused(path);
  });

  it('a character device (a node for /dev/null, which reads as 0 bytes): exit 2 with "is not a regular file"', async () => {
    const path = await walPathIn('device');
    execFileSync('mknod', [path, 'c', '1', '3']);
    await expectRefused(path);
  });
});
