// issue 8 (decision D3): a full filesystem under WAL_DEST, under the restore spool and under
// incoming/ reports the real error (ENOSPC, "no space left on device") as the first stderr line,
// never "The operation was aborted"; nothing is left under the final name and no temp file
// survives. Small tmpfs mounts made here stand in for the full disks (needs root).
// test/integration/durable-enospc.test.ts covers writeFileDurably alone, and archive-bad-input's
// "a full disk" covers walship-server put-wal fed directly: this file covers the clients.
import { mkdir, readdir, readFile, writeFile, chown } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run, type RunResult } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ensureUser, PG_USER, type SystemUser } from '../helpers/users.js';
import { prefetchLog } from '../fixtures/restore/spool-log.js';
import { FIXTURE_SYSTEM_IDENTIFIER, makeSegment, MiB } from '../fixtures/restore/segments.js';
import { makeDataDir, pgControlNaming } from '../fixtures/sysid.js';
import { pgDestDir } from '../fixtures/restore/wals.js';

const ABORTED = 'The operation was aborted';
const ENOSPC_LINE = /ENOSPC|no space left on device/i;
const NAMES = Array.from({ length: 8 }, (_, i) => `0000000100000000000000${(0x30 + i).toString(16).toUpperCase()}`);

let sshd: Sshd | undefined;
let work = '';
let configPath = '';
let pg: SystemUser;
let archiveUser: SystemUser;
const mounts: string[] = [];

/** Mounts a tmpfs of `size` on a new directory, owned by `owner` with `mode`; unmounted in afterAll. */
async function smallTmpfs(tag: string, size: string, owner: SystemUser, mode = '0700'): Promise<string> {
  const mountPoint = `${work}/${tag}-${Math.random().toString(36).slice(2)}`;
  await mkdir(mountPoint);
  const r = await run(['mount', '-t', 'tmpfs', '-o', `size=${size},mode=${mode},uid=${owner.uid},gid=${owner.gid}`, 'tmpfs', mountPoint]);
  expect(r.code, `this test mounts a small tmpfs and needs root with mount rights\n${describeRun(r)}`).toBe(0);
  mounts.push(mountPoint);
  return mountPoint;
}

// The first line that is not a NOTE: walship-restore run outside a data directory first says, as a
// NOTE, that it cannot check the system identifier (issue 8 D6); the error must come right after.
const firstLine = (r: RunResult): string => r.stderr.split('\n').find((line) => !line.startsWith('NOTE: ')) ?? '';

beforeAll(async () => {
  requireIntegration(['root', 'sshd']);
  pg = await ensureUser(PG_USER);
  archiveUser = await ensureUser(ARCHIVE_USER);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-issue8-full-');
  const config = await writeBarmanConfig({ dir: work, servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  configPath = config.configPath;
  const hashDir = `${config.barmanHome}/pg/wals/${NAMES[0]!.slice(0, 16)}`;
  await ensureOwnedDir(hashDir, archiveUser, 0o755);
  for (const name of NAMES) await writeFile(`${hashDir}/${name}`, makeSegment(name), { mode: 0o644 });
}, 120_000);

afterAll(async () => {
  for (const mountPoint of mounts) await run(['umount', '-l', mountPoint]);
  await sshd?.stop();
  if (work !== '') await run(['rm', '-rf', '--one-file-system', work]);
});

describe("WAL_DEST's filesystem too small for a 16 MiB segment (4 MiB tmpfs)", () => {
  it.each([
    ['local', []],
    ['local', ['-z']],
    ['local', ['-j']],
    ['ssh', []],
    ['ssh', ['-z']],
  ] as const)('%s %j: the first stderr line names ENOSPC, never "The operation was aborted"; exit 2 or 3; no file, no temp', async (route, flags) => {
    const dir = await smallTmpfs('dest', '4m', pg);
    const target = route === 'local' ? ['--transport', 'local', '-c', configPath, 'archive-host'] : ['-U', ARCHIVE_USER, '-c', configPath, sshd!.host];
    const r = await run([binPath('walship-restore'), ...target, ...flags, 'pg', NAMES[0]!, `${dir}/RECOVERYXLOG`], { user: PG_USER });
    expect([2, 3], describeRun(r)).toContain(r.code);
    expect(firstLine(r), describeRun(r)).toMatch(/^ERROR: /);
    expect(firstLine(r), describeRun(r)).toMatch(ENOSPC_LINE);
    expect(r.stderr).not.toContain(ABORTED);
    expect(await readdir(dir), 'nothing under WAL_DEST, no temp file').toEqual([]);
  });
});

describe('the spool on a full filesystem (20 MiB tmpfs: one segment fits, four do not)', () => {
  it('with -p 4 every restore still delivers the right bytes; prefetch failures only in the log, which names ENOSPC', async () => {
    const spool = await smallTmpfs('spool', '20m', pg);
    const dir = await pgDestDir(work, 'spool-full');
    // restore_command's cwd: a data directory of the fixtures' cluster (without pg_control, -p uses no spool, issue 10).
    const dataDir = await makeDataDir(work, 'cwd', pgControlNaming(FIXTURE_SYSTEM_IDENTIFIER));
    for (const name of NAMES.slice(0, 6)) {
      const r = await run(
        [binPath('walship-restore'), '--transport', 'local', '-c', configPath, '-p', '4', '--spool-dir', spool, 'archive-host', 'pg', name, `${dir}/RECOVERYXLOG`],
        { user: PG_USER, cwd: dataDir },
      );
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stderr).not.toContain(ABORTED);
      expect(r.stderr).not.toMatch(/^ERROR: /m);
      expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(makeSegment(name)), name).toBe(true);
      // PostgreSQL replays between two calls: give the detached worker time to fill the spool.
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await waitForWorkers(spool);
    const log = await prefetchLog(spool);
    expect(log).toMatch(ENOSPC_LINE);
    expect(log).not.toContain(ABORTED);
    expect(await tempsUnder(spool), 'no temp file survives in the spool').toEqual([]);
    expect(await readdir(dir)).toEqual(['RECOVERYXLOG']);
  });
});

describe('incoming/ on a full filesystem (512 KiB tmpfs under barman_home, a 1 MiB segment)', () => {
  /** barman_home on a tmpfs owned by the archive user, with pg's directories made inside it. */
  async function fullArchive(): Promise<{ config: string; incoming: string }> {
    const home = await smallTmpfs('incoming', '512k', archiveUser, '0755');
    for (const sub of ['', '/incoming', '/wals', '/errors', '/streaming']) await ensureOwnedDir(`${home}/pg${sub}`, archiveUser, 0o755);
    const config = `${work}/full-${Math.random().toString(36).slice(2)}.conf`;
    await writeFile(config, `[barman]\nbarman_home = ${home}\n\n[pg]\ndescription = full disk\n`, { mode: 0o644 });
    return { config, incoming: `${home}/pg/incoming` };
  }

  /** A 1 MiB segment (a valid segment size) in a private directory `owner` owns, like pg_wal. */
  async function walOwnedBy(owner: SystemUser): Promise<string> {
    const dir = `${work}/pg_wal-${Math.random().toString(36).slice(2)}`;
    await ensureOwnedDir(dir, owner, 0o700);
    const path = `${dir}/${NAMES[0]}`;
    await writeFile(path, makeSegment(NAMES[0]!, { size: MiB }), { mode: 0o600 });
    await chown(path, owner.uid, owner.gid);
    return path;
  }

  it.each(['local', 'ssh'] as const)('walship-archive (%s): non-zero, the first stderr line names ENOSPC, no file under the WAL name, no temp', async (route) => {
    const { config, incoming } = await fullArchive();
    const target = route === 'local' ? ['--transport', 'local', '-c', config, 'archive-host'] : ['-U', ARCHIVE_USER, '-c', config, sshd!.host];
    // local: put-wal runs in walship-archive's process, so as the archive user (who owns incoming/).
    const wal = await walOwnedBy(route === 'local' ? archiveUser : pg);
    const r = await run([binPath('walship-archive'), ...target, 'pg', wal], { user: route === 'local' ? ARCHIVE_USER : PG_USER });
    expect(r.code, describeRun(r)).not.toBe(0);
    expect(r.code, describeRun(r)).not.toBeNull();
    expect(firstLine(r), describeRun(r)).toMatch(/^ERROR: /);
    expect(firstLine(r), describeRun(r)).toMatch(ENOSPC_LINE);
    expect(r.stderr).not.toContain(ABORTED);
    expect(await readdir(incoming), 'no file under the WAL name, no temp file').toEqual([]);
  });
});

/** Waits (at most 30 s) until no prefetch worker holds a lock in any namespace of `spool`. */
async function waitForWorkers(spool: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const locks = (await namespaces(spool)).length === 0
      ? []
      : (await Promise.all((await namespaces(spool)).map(async (ns) => (await readdir(ns)).filter((e) => e === '.prefetch.lock')))).flat();
    if (locks.length === 0) return;
    if (Date.now() > deadline) throw new Error(`prefetch worker still running after 30 s: ${locks.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function namespaces(spool: string): Promise<string[]> {
  const found: string[] = [];
  for (const host of await readdir(spool).catch(() => [] as string[])) {
    for (const server of await readdir(`${spool}/${host}`).catch(() => [] as string[])) found.push(`${spool}/${host}/${server}`);
  }
  return found;
}

const tempsUnder = async (spool: string): Promise<string[]> =>
  (await Promise.all((await namespaces(spool)).map(async (ns) => (await readdir(ns)).filter((e) => e.endsWith('.walship-tmp'))))).flat();
