// issue 8 "Must show", the restore spool: walship-restore runs as PostgreSQL's user while another
// local account plants symlinks, directories and files in a world-writable parent (like /var/tmp),
// or swaps namespace directories in a loop. Whatever it plants, walship-restore delivers only the
// archive's bytes, never writes into the other account's directories, and says so with a WARNING
// (decisions D1 in the issue: a refused spool means "no spool", never a failed restore).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run, type RunResult } from '../helpers/run.js';
import {
  asAttacker,
  attackerOwnedDir,
  hostilePlants,
  expectOneWarningNaming,
  listTree,
  makeSharedParent,
  namespaceOf,
  ownNamespace,
  ownerAndMode,
  sha256,
  waitForPgProcesses,
  warningLines,
} from '../helpers/shared-dirs.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ATTACKER_USER, ensureUser, loginEnv, PG_USER, type SystemUser } from '../helpers/users.js';
import { makeRealSegments, type RealSegments } from '../fixtures/restore/real-segments.js';
import { makeSegment } from '../fixtures/restore/segments.js';
import { makeDataDir, pgControlNaming } from '../fixtures/sysid.js';
import { pgDestDir, storeInWals } from '../fixtures/restore/wals.js';

/** A system identifier no real test cluster has: the planted segments are "another cluster's". */
const FOREIGN_SYSID = 4242424242424242424n;
const SWAP_LOOP_MS = 30_000;
const SWAP_LOOP_HARD_EXTRA_MS = 90_000;
const MIN_SWAP_RESTORES = 20;

let sshd: Sshd | undefined;
let segments: RealSegments;
let pgUser: SystemUser;
let attacker: SystemUser;
let configPath = '';
let work = '';
let ns = { host: '', server: '' };
/** restore_command's cwd: a data directory whose pg_control names the segments' cluster (without one, no spool is used, issue 10). */
let dataDir = '';
let attackerLoop: ChildProcess | undefined;

const names = (): string[] => segments.names;
const archived = (name: string): Buffer => segments.bytes.get(name)!;
/** What the attacker plants under `name`: right name, right page address, right size, another cluster. */
const plantedBytes = (name: string): Buffer => makeSegment(name, { systemIdentifier: FOREIGN_SYSID });

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  pgUser = await ensureUser(PG_USER);
  attacker = await ensureUser(ATTACKER_USER);
  segments = await makeRealSegments(8);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-sec-spool-');
  const config = await writeBarmanConfig({ dir: work, servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  configPath = config.configPath;
  await storeInWals(config.barmanHome, 'pg', segments, ARCHIVE_USER);
  const systemIdentifier = archived(names()[0]!).readBigUInt64LE(24);
  dataDir = await realpath(await makeDataDir(work, 'cwd', pgControlNaming(systemIdentifier)));
  ns = namespaceOf(ARCHIVE_USER, sshd.host, 'pg', configPath, { systemIdentifier, dataDir });
}, 300_000);

afterAll(async () => {
  if (attackerLoop?.pid !== undefined && attackerLoop.exitCode === null) process.kill(attackerLoop.pid, 'SIGKILL');
  if (configPath !== '') await waitForPgProcesses(configPath).catch(() => undefined);
  if (ns.host !== '') {
    // This file's namespace only (the sshd's port is in it): the old shared default, and the new one.
    await rm(`/var/tmp/walrestore/${ns.host}`, { recursive: true, force: true });
    await rm(`${pgUser.home}/.walship/spool/${ns.host}`, { recursive: true, force: true });
  }
  await sshd?.stop();
  if (work !== '') await rm(work, { recursive: true, force: true });
  if (segments !== undefined) await rm(dirname(segments.dir), { recursive: true, force: true });
});

const restore = (flags: string[], name: string, dest: string, env: Record<string, string> = {}): Promise<RunResult> =>
  run([binPath('walship-restore'), '-U', ARCHIVE_USER, '-c', configPath, ...flags, sshd!.host, 'pg', name, dest], { user: PG_USER, env, cwd: dataDir });

/**
 * A prefetched segment's bytes, read while its worker still runs: once idle, the worker removes what
 * nobody claimed, since this stand-in data directory is not recovering (issue 10).
 */
async function prefetched(path: string): Promise<Buffer> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes !== undefined) return bytes;
    if (Date.now() > deadline) throw new Error(`${path} was never prefetched`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A restore with prefetch (-p 4) into spoolDir, then a wait until its prefetch worker (if any) is gone. */
async function restoreWithSpool(spoolDir: string, name: string, tag: string): Promise<{ r: RunResult; dest: string }> {
  const dest = `${await pgDestDir(work, tag)}/RECOVERYXLOG`;
  const r = await restore(['-p', '4', '--spool-dir', spoolDir], name, dest);
  await waitForPgProcesses(configPath);
  return { r, dest };
}

/** exit 0 and WAL_DEST holds exactly the archive's segment. */
async function expectDeliveredFromArchive(r: RunResult, dest: string, name: string): Promise<void> {
  expect(r.code, describeRun(r)).toBe(0);
  expect(sha256(await readFile(dest)), `WAL_DEST of ${name}`).toBe(sha256(archived(name)));
}

const attackerDir = (tag: string, mode: number): Promise<string> => attackerOwnedDir(work, tag, attacker, mode);

describe('a shared world-writable parent (mode 1777, like /var/tmp)', () => {
  it('a spool directory walship-restore creates itself there is private (0700, its own) and used for prefetching', async () => {
    const parent = await makeSharedParent(work, 'shared-own', 0o1777);
    const spool = `${parent}/walrestore`;
    const dest = `${await pgDestDir(work, 'own')}/RECOVERYXLOG`;
    const r = await restore(['-p', '4', '--spool-dir', spool], names()[0]!, dest);
    const next = names()[1]!;
    expect(sha256(await prefetched(`${spool}/${ns.host}/${ns.server}/${next}`)), `prefetched ${next}`).toBe(sha256(archived(next)));
    await waitForPgProcesses(configPath);
    await expectDeliveredFromArchive(r, dest, names()[0]!);
    expect(warningLines(r.stderr)).toEqual([]);
    for (const dir of [spool, `${spool}/${ns.host}`, `${spool}/${ns.host}/${ns.server}`]) {
      expect(await ownerAndMode(dir), dir).toEqual({ uid: pgUser.uid, mode: 0o700, kind: 'dir' });
    }
    // Recovery is not going on here, so the idle worker removed what nobody claimed (issue 10).
    expect((await readdir(`${spool}/${ns.host}/${ns.server}`)).filter((entry) => /^[0-9A-F]{24}$/.test(entry))).toEqual([]);
  });

  it("a symlink planted at the spool path by another user is never followed: the segment comes from the archive, a WARNING names the path, and nothing is created in the other user's directory", async () => {
    const parent = await makeSharedParent(work, 'shared-symlink', 0o1777);
    const target = await attackerDir('symlink-target', 0o777);
    const spool = `${parent}/walrestore`;
    await asAttacker(['ln', '-s', target, spool]);
    const { r, dest } = await restoreWithSpool(spool, names()[1]!, 'symlink');
    await expectDeliveredFromArchive(r, dest, names()[1]!);
    expect(await listTree(target), "the attacker's directory").toEqual([]);
    expect(await readdir(parent)).toEqual(['walrestore']);
    expect((await ownerAndMode(spool)).kind).toBe('symlink');
    expectOneWarningNaming(r.stderr, spool);
  });

  it.each([['0777', 0o777], ['0755', 0o755]] as const)(
    "a spool directory another user created there (mode %s) is never used: the segment comes from the archive, a WARNING names it, and it stays empty",
    async (_label, mode) => {
      const parent = await makeSharedParent(work, `shared-foreign-${mode.toString(8)}`, 0o1777);
      const spool = `${parent}/walrestore`;
      await asAttacker(['mkdir', '-m', mode.toString(8), spool]);
      const { r, dest } = await restoreWithSpool(spool, names()[2]!, `foreign-${mode.toString(8)}`);
      await expectDeliveredFromArchive(r, dest, names()[2]!);
      expect(await listTree(spool), "the attacker's directory").toEqual([]);
      expect(await ownerAndMode(spool)).toEqual({ uid: attacker.uid, mode, kind: 'dir' });
      expectOneWarningNaming(r.stderr, spool);
    },
  );
});

describe('a world-writable parent without the sticky bit (mode 0777)', () => {
  it.each(['absent', 'already there, owned by the user and 0700'])(
    'the spool directory (%s) is never used, since anyone may rename or replace it: the segment comes from the archive, a WARNING, nothing created',
    async (state) => {
      const tag = state === 'absent' ? 'loose-absent' : 'loose-own';
      const parent = await makeSharedParent(work, `shared-${tag}`, 0o777);
      const spool = `${parent}/walrestore`;
      if (state !== 'absent') await ensureOwnedDir(spool, pgUser, 0o700);
      const { r, dest } = await restoreWithSpool(spool, names()[3]!, tag);
      await expectDeliveredFromArchive(r, dest, names()[3]!);
      expect(await readdir(parent)).toEqual(state === 'absent' ? [] : ['walrestore']);
      expect(await listTree(spool)).toEqual([]);
      // The refused directory may be the parent or the spool dir below it: either way the line names the parent's path.
      expectOneWarningNaming(r.stderr, parent);
    },
  );
});

describe("a file under a segment name in the user's own spool namespace", () => {
  /** A private spool (0700, owned by PostgreSQL's user, in a root-owned 755 dir) with its namespace made. */
  async function ownSpool(tag: string): Promise<{ spool: string; nsDir: string }> {
    const spool = `${work}/own-spool-${tag}`;
    return { spool, nsDir: await ownNamespace(spool, ns, pgUser) };
  }

  it.each(hostilePlants(() => ({ user: pgUser, attacker, work })))(
    'a spooled segment %s is never delivered: WAL_DEST holds the archive\'s bytes, a WARNING names it, and it is gone from the spool',
    async (what, plant) => {
      const tag = what.replace(/[^a-z0-9]+/g, '-');
      const name = names()[4]!;
      const { spool, nsDir } = await ownSpool(tag);
      await plant(`${nsDir}/${name}`, plantedBytes(name), `spooled-target-${name}`);
      expect(sha256(plantedBytes(name))).not.toBe(sha256(archived(name)));
      const { r, dest } = await restoreWithSpool(spool, name, `planted-${tag}`);
      await expectDeliveredFromArchive(r, dest, name);
      expect(await readdir(nsDir), `${name} left in the spool`).not.toContain(name);
      expect(warningLines(r.stderr).filter((line) => line.includes(name)), r.stderr).toHaveLength(1);
    },
  );
});

describe('a namespace swapped in a loop', () => {
  it(
    `while another user swaps directories and symlinks in its own spool base for ${SWAP_LOOP_MS / 1000} s, every restore exits 0 with the archive's bytes, never the planted ones`,
    async () => {
      const parent = await makeSharedParent(work, 'shared-swap', 0o1777);
      const spool = `${parent}/walrestore`;
      await asAttacker(['mkdir', '-m', '777', spool]);
      // The planted segments, owned by the attacker with mode 0666, on the same filesystem (hard-linked in again and again).
      const stash = await attackerDir('swap-stash', 0o755);
      for (const name of names()) {
        await writeFile(`${stash}/${name}`, plantedBytes(name));
        await chown(`${stash}/${name}`, attacker.uid, attacker.gid);
        await chmod(`${stash}/${name}`, 0o666);
      }
      const planted = new Set(names().map((name) => sha256(plantedBytes(name))));
      // The restores go on for SWAP_LOOP_MS and for at least MIN_SWAP_RESTORES calls, whichever is
      // later (a loaded machine makes calls slow); the attacker runs until they are done (stop file),
      // bounded by a hard deadline and an iteration count.
      const minEnd = Date.now() + SWAP_LOOP_MS;
      const deadline = minEnd + SWAP_LOOP_HARD_EXTRA_MS;
      const stopFile = `${work}/swap-stop`;
      const job = { base: spool, host: ns.host, server: ns.server, names: names(), stash, pgUid: pgUser.uid, deadline, maxIterations: 2_000_000, stopFile };
      attackerLoop = spawn('node', [`${repoRoot}/test/fixtures/security/swap-namespace.mjs`, JSON.stringify(job)], {
        uid: attacker.uid, gid: attacker.gid, env: loginEnv(attacker), cwd: attacker.home, stdio: ['ignore', 'pipe', 'inherit'],
      });
      const loopOutput: Buffer[] = [];
      attackerLoop.stdout!.on('data', (chunk: Buffer) => loopOutput.push(chunk));
      const loopDone = new Promise<void>((resolve) => attackerLoop!.on('close', () => resolve()));

      const dest = `${await pgDestDir(work, 'swap')}/RECOVERYXLOG`;
      const calls: Array<{ name: string; code: number | null; delivered: string | undefined; stderr: string }> = [];
      for (let i = 0; (Date.now() < minEnd || calls.length < MIN_SWAP_RESTORES) && Date.now() < deadline; i++) {
        const name = names()[i % names().length]!;
        await rm(dest, { force: true });
        const r = await restore(['-p', '4', '--spool-dir', spool], name, dest);
        const delivered = await readFile(dest).then(sha256, () => undefined);
        calls.push({ name, code: r.code, delivered, stderr: r.stderr });
      }
      await writeFile(stopFile, '');
      await loopDone;
      await waitForPgProcesses(configPath);
      const loop = JSON.parse(Buffer.concat(loopOutput).toString('utf8') || '{}') as { iterations?: number; swaps?: number };
      const summary = `${calls.length} restores; attacker: ${JSON.stringify(loop)}`;

      expect(calls.length, summary).toBeGreaterThanOrEqual(MIN_SWAP_RESTORES);
      expect(loop.swaps ?? 0, summary).toBeGreaterThan(0);
      const foreign = calls.filter((c) => c.delivered !== undefined && planted.has(c.delivered));
      expect(foreign.map((c) => `${c.name} (exit ${c.code})`), `planted bytes delivered; ${summary}`).toEqual([]);
      const wrong = calls.filter((c) => c.code !== 0 || c.delivered !== sha256(archived(c.name)));
      expect(wrong.map((c) => `${c.name}: exit ${c.code}, ${c.delivered === undefined ? 'nothing delivered' : 'other bytes'}\n${c.stderr}`), summary).toEqual([]);
      // PostgreSQL's user never wrote into the attacker's base: only the attacker's own entries are there.
      const pgOwned: string[] = [];
      for (const entry of await listTree(spool)) {
        if ((await ownerAndMode(`${spool}/${entry}`).catch(() => undefined))?.uid === pgUser.uid) pgOwned.push(entry);
      }
      expect(pgOwned, "entries owned by PostgreSQL's user in the attacker's base").toEqual([]);
    },
    SWAP_LOOP_MS + SWAP_LOOP_HARD_EXTRA_MS + 90_000,
  );
});

describe('defaults', () => {
  it("without --spool-dir the spool is ~/.walship/spool in the user's home from the password database (not $HOME), 0700 at every level, owned by the user", async () => {
    const home = pgUser.home;
    await rm(`${home}/.walship/spool/${ns.host}`, { recursive: true, force: true });
    // A $HOME that is not the account's home: walship must not put its spool there.
    // (ssh expands `Include ~/.ssh/config.d/*` of the test's Host aliases with $HOME: a link to the real ~/.ssh.)
    const decoy = `${work}/decoy-home`;
    await ensureOwnedDir(decoy, pgUser, 0o700);
    await symlink(`${home}/.ssh`, `${decoy}/.ssh`);
    const dest = `${await pgDestDir(work, 'defaults')}/RECOVERYXLOG`;
    const name = names()[5]!;
    const r = await restore(['-p', '4'], name, dest, { HOME: decoy });
    const spool = `${home}/.walship/spool`;
    const next = names()[6]!;
    expect(sha256(await prefetched(`${spool}/${ns.host}/${ns.server}/${next}`)), `prefetched ${next}`).toBe(sha256(archived(next)));
    await waitForPgProcesses(configPath);
    await expectDeliveredFromArchive(r, dest, name);
    expect(warningLines(r.stderr)).toEqual([]);
    expect(await listTree(decoy), '$HOME').toEqual(['.ssh']);
    const walshipDir = await ownerAndMode(`${home}/.walship`);
    expect(walshipDir.uid).toBe(pgUser.uid);
    expect(walshipDir.kind).toBe('dir');
    expect(walshipDir.mode & 0o022, '~/.walship writable by group or others').toBe(0);
    for (const dir of [spool, `${spool}/${ns.host}`, `${spool}/${ns.host}/${ns.server}`]) {
      expect(await ownerAndMode(dir), dir).toEqual({ uid: pgUser.uid, mode: 0o700, kind: 'dir' });
    }
    await expect(readdir(`/var/tmp/walrestore/${ns.host}`), 'the old shared default').rejects.toMatchObject({ code: 'ENOENT' });
  });
});
