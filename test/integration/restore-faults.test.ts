// issue 3 "Bad input" and "Faults": walship-restore (as PostgreSQL's user) against walship-server
// over a real sshd, with real PostgreSQL 15 segments. Whatever goes wrong, WAL_DEST never holds a
// partial segment, and later calls deliver only complete, byte-identical ones.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ensureUser, loginEnv, PG_USER } from '../helpers/users.js';
import { makeRealSegments, type RealSegments } from '../fixtures/restore/real-segments.js';
import { pgDestDir, storeInWals } from '../fixtures/restore/wals.js';
import { makeDataDir, pgControlNaming } from '../fixtures/sysid.js';

const FIXTURES = `${repoRoot}/test/fixtures/restore`;
const USER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
let sshd: Sshd | undefined;
let segments: RealSegments;
let configPath = '';
let hashDir = '';
let work = '';
const names = (): string[] => segments.names;
const bytesOf = (name: string): Buffer => segments.bytes.get(name)!;

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  segments = await makeRealSegments(14);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-restore-faults-');
  const config = await writeBarmanConfig({ dir: work, servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  configPath = config.configPath;
  hashDir = await storeInWals(config.barmanHome, 'pg', segments, ARCHIVE_USER);
  dataDir = await makeDataDir(work, 'cwd', pgControlNaming(segments.bytes.get(segments.names[0]!)!.readBigUInt64LE(24)));
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
});

const destDir = (tag: string): Promise<string> => pgDestDir(work, tag);

const restoreArgv = (flags: string[], server: string, name: string, dest: string): string[] =>
  [binPath('walship-restore'), '-U', ARCHIVE_USER, '-c', configPath, ...flags, sshd!.host, server, name, dest];

/** restore_command's cwd: a data directory whose pg_control names the segments' cluster (without one, -p uses no spool, issue 10). */
let dataDir = '';

const restore = (flags: string[], name: string, dest: string, env: Record<string, string> = {}) =>
  run(restoreArgv(flags, 'pg', name, dest), { user: PG_USER, env, cwd: dataDir });

/** Stores `bytes` under `name` in the archive (for corrupt-file cases), owned by the archive user. */
async function storeRaw(name: string, bytes: Buffer): Promise<void> {
  const owner = await ensureUser(ARCHIVE_USER);
  await writeFile(`${hashDir}/${name}`, bytes);
  await chown(`${hashDir}/${name}`, owner.uid, owner.gid);
}

/** Starts walship-restore as PostgreSQL's user without waiting, so a test can kill it. */
async function startRestore(flags: string[], name: string, dest: string) {
  const user = await ensureUser(PG_USER);
  const child = spawn(restoreArgv(flags, 'pg', name, dest)[0]!, restoreArgv(flags, 'pg', name, dest).slice(1), {
    uid: user.uid, gid: user.gid, env: loginEnv(user), cwd: dataDir, stdio: 'ignore',
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exit };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The temp file a fetch writes beside WAL_DEST, once the fetch has started. */
const tempIn = async (dir: string): Promise<string | undefined> => (await readdir(dir)).find((entry) => entry.endsWith('.walship-tmp'));

/**
 * The pid of the archive-side `sshd: user@notty` process serving the get-wal whose command line
 * contains `marker` (this file's own config path, so other test files' sessions are never hit).
 */
function sshdSessionServing(marker: string): number | undefined {
  let found = '';
  try {
    found = execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  for (const text of found.trim().split('\n')) {
    let pid = Number(text);
    for (let depth = 0; depth < 6 && pid > 1; depth++) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.startsWith('sshd: ')) return pid;
      pid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    }
  }
  return undefined;
}

/** The spool's namespace directory (there is one per test: one host, one server). */
async function namespaceDir(spool: string): Promise<string | undefined> {
  for (const host of await readdir(spool).catch(() => [] as string[])) {
    for (const server of await readdir(`${spool}/${host}`).catch(() => [] as string[])) return `${spool}/${host}/${server}`;
  }
  return undefined;
}

/** Every WAL-named file in the spool is a complete copy of the real segment. */
async function expectSpoolComplete(spool: string): Promise<void> {
  const ns = await namespaceDir(spool);
  if (ns === undefined) return;
  for (const entry of await readdir(ns)) {
    if (!/^[0-9A-F]{24}$/.test(entry)) continue;
    // The worker and later restores keep running: a listed file may be claimed or cleaned up meanwhile.
    const bytes = await readFile(`${ns}/${entry}`).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (bytes !== undefined) expect(bytes.equals(bytesOf(entry)), `spooled ${entry}`).toBe(true);
  }
}

describe('bad input', () => {
  it.each(['../x', 'x;y', 'junk', '0000000100000000000000010', `${'0'.repeat(23)}1/../../etc/passwd`])('WAL_NAME %j: exit 2, nothing delivered', async (name) => {
    const dir = await destDir('badname');
    const r = await restore([], name, `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(/is not a valid WAL_NAME/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('WAL_DEST a directory: exit 3', async () => {
    const dir = await destDir('destdir');
    const r = await restore([], names()[0]!, dir);
    expect(r.code, describeRun(r)).toBe(3);
    expect(r.stderr).toContain(`WAL_DEST cannot be a directory: ${dir}`);
  });

  it('WAL_DEST inside a missing directory: exit 3', async () => {
    const dir = await destDir('destmissing');
    const r = await restore([], names()[0]!, `${dir}/pg_wal/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it('an unknown server: exit 1', async () => {
    const dir = await destDir('unknown');
    const r = await run(restoreArgv([], 'nope', names()[0]!, `${dir}/RECOVERYXLOG`), { user: PG_USER });
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("ERROR: Unknown server 'nope'");
    expect(await readdir(dir)).toEqual([]);
  });

  it('a segment not in the archive: exit 1; WAL_DEST is not created, and one left from before stays as it was', async () => {
    const dir = await destDir('absent');
    const r = await restore([], '0000000100000000000000F0', `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
    await writeFile(`${dir}/RECOVERYXLOG`, 'from before');
    expect((await restore([], '0000000100000000000000F0', `${dir}/RECOVERYXLOG`)).code).toBe(1);
    expect(await readFile(`${dir}/RECOVERYXLOG`, 'utf8')).toBe('from before');
    expect(await readdir(dir)).toEqual(['RECOVERYXLOG']);
  });

  it.each([
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['bzip2', (b: Buffer) => execFileSync('bzip2', ['-c'], { input: b, maxBuffer: 64 << 20 })],
  ])('a corrupt %s stream (archived corrupt, sent as stored): non-zero, nothing delivered', async (_kind, compress) => {
    const name = '0000000100000000000000E1';
    const damaged = compress(bytesOf(names()[0]!));
    damaged.fill(0x55, 1000, 2000);
    await storeRaw(name, damaged);
    const dir = await destDir('corrupt');
    const r = await restore(['--keep-compression'], name, `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([['-z'], ['-j']])('a %s stream damaged in transit: exit 2, nothing delivered', async (flag) => {
    const dir = await destDir('transit');
    const r = await restore([flag], names()[1]!, `${dir}/RECOVERYXLOG`, { PATH: `${FIXTURES}/ssh-corrupt:${USER_PATH}` });
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(/ERROR: .*(gzip|bzip2)/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('an unwritable spool directory: the segment is still delivered, prefetch skipped with a warning', async () => {
    const dir = await destDir('spool-unwritable');
    const rootOwned = await makeTempDir('walship-root-spool-');
    const r = await restore(['-p', '4', '--spool-dir', `${rootOwned}/spool`], names()[2]!, `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toMatch(/^WARNING: prefetch skipped: cannot use spool directory/m);
    expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(bytesOf(names()[2]!))).toBe(true);
    expect(await readdir(rootOwned)).toEqual([]);
  });
});

describe('faults', () => {
  it('the ssh connection drops mid-transfer (exit 255 after 4 MiB): exit 2, nothing delivered', async () => {
    const dir = await destDir('drop');
    const r = await restore([], names()[3]!, `${dir}/RECOVERYXLOG`, { PATH: `${FIXTURES}/ssh-drop:${USER_PATH}` });
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toContain('failed (exit 255)');
    expect(await readdir(dir)).toEqual([]);
  });

  it("the archive side's sshd session is killed mid-transfer: exit 2, nothing delivered", async () => {
    const dir = await destDir('sshd-kill');
    // -j makes the server compress with bzip2 first, which keeps the session open long enough to kill.
    const { exit } = await startRestore(['-j'], names()[4]!, `${dir}/RECOVERYXLOG`);
    await waitFor(() => tempIn(dir), 20_000, 'the fetch to start');
    const session = await waitFor(async () => sshdSessionServing(`${configPath} get-wal`), 10_000, "the archive user's sshd session");
    process.kill(session, 'SIGKILL');
    expect(await exit).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('kill -9 of the prefetch worker mid-prefetch: later calls deliver only complete, byte-identical segments', async () => {
    const dir = await destDir('kill9');
    const spool = `${dir}/spool`;
    const first = await restore(['-p', '8', '-j', '--spool-dir', spool], names()[0]!, `${dir}/RECOVERYXLOG`);
    expect(first.code, describeRun(first)).toBe(0);
    // Wait until the worker is writing segments under temp names, then kill it and its process group.
    const ns = await waitFor(() => namespaceDir(spool), 10_000, 'the spool namespace');
    const pid = await waitFor(async () => {
      const entries = await readdir(ns);
      if (!entries.some((entry) => /^\.[0-9A-F]{24}\..*\.walship-tmp$/.test(entry))) return undefined;
      const text = await readFile(`${ns}/.prefetch.lock`, 'utf8').catch(() => '');
      // The lock holds "<pid> <process start time>" (src/agent/lock.ts); the pid is the first word.
      const pidWord = /^\d+/.exec(text)?.[0];
      return pidWord === undefined ? undefined : Number(pidWord);
    }, 20_000, 'a prefetch in flight');
    process.kill(-pid, 'SIGKILL');
    await sleep(200);
    expect((await readdir(ns)).some((entry) => entry.endsWith('.walship-tmp')), 'a temp file left by the killed worker').toBe(true);
    await expectSpoolComplete(spool);
    for (const name of names().slice(1, 10)) {
      const r = await restore(['-p', '8', '-j', '--spool-dir', spool], name, `${dir}/RECOVERYXLOG`);
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(bytesOf(name)), name).toBe(true);
      await expectSpoolComplete(spool);
    }
  });

  it('kill -9 of a restore mid-fetch: WAL_DEST is not created', async () => {
    const dir = await destDir('kill-fg');
    const { child, exit } = await startRestore(['-j'], names()[5]!, `${dir}/RECOVERYXLOG`);
    await waitFor(() => tempIn(dir), 20_000, 'the fetch to start');
    child.kill('SIGKILL');
    await exit;
    expect(await readdir(dir).then((entries) => entries.filter((e) => !e.endsWith('.walship-tmp')))).toEqual([]);
  });

  it('SIGTERM (PostgreSQL shutting down) mid-fetch: the restore dies by SIGTERM and leaves no temp file', async () => {
    const dir = await destDir('term');
    const { child, exit } = await startRestore(['-j'], names()[6]!, `${dir}/RECOVERYXLOG`);
    await waitFor(() => tempIn(dir), 20_000, 'the fetch to start');
    child.kill('SIGTERM');
    await exit;
    expect(child.signalCode).toBe('SIGTERM');
    expect(await readdir(dir)).toEqual([]);
  });

  it('two restores for the same cluster at once never expose a partial file', async () => {
    const dir = await destDir('concurrent');
    const spool = `${dir}/spool`;
    const dest = `${dir}/RECOVERYXLOG`;
    let sampling = true;
    const partial: string[] = [];
    // Samples WAL_DEST as fast as it can while the restores run: it is either absent or complete.
    const sampler = (async () => {
      let samples = 0;
      while (sampling) {
        const bytes = await readFile(dest).catch(() => undefined);
        if (bytes !== undefined) {
          samples++;
          if (!names().some((name) => bytesOf(name).equals(bytes))) partial.push(`${bytes.length} bytes`);
        }
        await sleep(1);
      }
      return samples;
    })();
    for (const name of names().slice(0, 8)) {
      const [a, b] = await Promise.all([
        restore(['-p', '4', '--spool-dir', spool], name, dest),
        restore(['-p', '4', '--spool-dir', spool], name, dest),
      ]);
      expect(a.code, describeRun(a)).toBe(0);
      expect(b.code, describeRun(b)).toBe(0);
      expect((await readFile(dest)).equals(bytesOf(name)), name).toBe(true);
    }
    sampling = false;
    expect(await sampler).toBeGreaterThan(0);
    expect(partial).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['RECOVERYXLOG', 'spool']);
    await expectSpoolComplete(spool);
    expect((await stat(dest)).size).toBe(16 * 1024 * 1024);
  });
});
