// issue 8 "Must show", the --batch records: walship-archive --batch runs as PostgreSQL's user while
// another local account plants symlinks, directories and record files where the records live. A
// record says "the archive host already has this segment", so a planted one could make
// archive_command exit 0 for a segment that was never archived. Whatever is planted, exit 0 means
// the archive host has the segment's bytes, and no record is ever written through a symlink or into
// another account's directory (decisions D1 in the issue: a refused directory means "no batching").
import { chown, link, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
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
  warningLines,
} from '../helpers/shared-dirs.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, ATTACKER_USER, ensureUser, PG_USER, type SystemUser } from '../helpers/users.js';
import { makeRealSegments, type RealSegments } from '../fixtures/restore/real-segments.js';

/** One Barman server per case, so each case starts with an empty incoming/ and its own namespace. */
const SERVERS = Array.from({ length: 14 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);

let sshd: Sshd | undefined;
let segments: RealSegments;
let pgUser: SystemUser;
let attacker: SystemUser;
let configPath = '';
let barmanHome = '';
let work = '';
let nextServer = 0;

const names = (): string[] => segments.names;
const walBytes = (name: string): Buffer => segments.bytes.get(name)!;

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  pgUser = await ensureUser(PG_USER);
  attacker = await ensureUser(ATTACKER_USER);
  segments = await makeRealSegments(4);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-sec-batch-');
  const config = await writeBarmanConfig({ dir: work, servers: SERVERS.map((name) => ({ name })), owner: ARCHIVE_USER });
  configPath = config.configPath;
  barmanHome = config.barmanHome;
}, 300_000);

afterAll(async () => {
  if (sshd !== undefined) {
    // This file's namespaces only (the sshd's port is in them): the old shared default, and the new one.
    const host = namespaceOf(ARCHIVE_USER, sshd.host, 'x', undefined).host;
    await rm(`/var/tmp/walship-archive/${host}`, { recursive: true, force: true });
    if (pgUser !== undefined) await rm(`${pgUser.home}/.walship/batch/${host}`, { recursive: true, force: true });
  }
  await sshd?.stop();
  if (work !== '') await rm(work, { recursive: true, force: true });
  if (segments !== undefined) await rm(dirname(segments.dir), { recursive: true, force: true });
});

interface Case {
  server: string;
  /** The namespace of this case's records below any batch base. */
  ns: { host: string; server: string };
  incoming: string;
  /** WAL_PATH in a pg_wal stand-in, and the segments PostgreSQL has marked .ready after it. */
  walPath: string;
  wal: string;
  extras: string[];
}

/**
 * A fresh case: its own server, and a pg_wal stand-in (owned by PostgreSQL's user) holding the first
 * real segment as WAL_PATH plus `extras` more, all marked .ready in archive_status/ as PostgreSQL does.
 */
async function newCase(tag: string, extras: number): Promise<Case> {
  const server = SERVERS[nextServer++]!;
  const pgWal = `${work}/pg_wal-${tag}`;
  await ensureOwnedDir(pgWal, pgUser, 0o700);
  await ensureOwnedDir(`${pgWal}/archive_status`, pgUser, 0o700);
  const [wal, ...rest] = names().slice(0, 1 + extras) as [string, ...string[]];
  for (const name of [wal, ...rest]) {
    await link(`${segments.dir}/${name}`, `${pgWal}/${name}`);
    await writeFile(`${pgWal}/archive_status/${name}.ready`, '');
    await chown(`${pgWal}/archive_status/${name}.ready`, pgUser.uid, pgUser.gid);
  }
  return {
    server,
    ns: namespaceOf(ARCHIVE_USER, sshd!.host, server, configPath),
    incoming: `${barmanHome}/${server}/incoming`,
    walPath: `${pgWal}/${wal}`,
    wal,
    extras: rest,
  };
}

const archive = (c: Case, flags: string[], env: Record<string, string> = {}): Promise<RunResult> =>
  run([binPath('walship-archive'), '-U', ARCHIVE_USER, '-c', configPath, ...flags, sshd!.host, c.server, c.walPath], { user: PG_USER, env });

/** exit 0, and the archive host has WAL_PATH's exact bytes in incoming/. */
async function expectArchived(r: RunResult, c: Case): Promise<void> {
  expect(r.code, describeRun(r)).toBe(0);
  const stored = await readFile(`${c.incoming}/${c.wal}`).catch(() => undefined);
  expect(stored === undefined ? 'absent' : sha256(stored), `incoming/${c.wal} after exit 0`).toBe(sha256(walBytes(c.wal)));
}

/** A directory owned by the attacker, with mode, outside the shared parent. */
const attackerDir = (tag: string, mode: number): Promise<string> => attackerOwnedDir(work, tag, attacker, mode);

/** The record walship-archive would leave for `name`: "the archive host acknowledged these bytes". */
const recordFor = (name: string): string => `${sha256(walBytes(name))} ${walBytes(name).length}\n`;

describe('--batch-dir in a shared world-writable parent (mode 1777, like /var/tmp)', () => {
  it('a batch directory walship-archive creates itself there is private (0700, its own) and records what the batch shipped', async () => {
    const c = await newCase('own', 3);
    const parent = await makeSharedParent(work, 'shared-own', 0o1777);
    const batchDir = `${parent}/walship-archive`;
    const r = await archive(c, ['--batch', '4', '--batch-dir', batchDir]);
    await expectArchived(r, c);
    expect(warningLines(r.stderr)).toEqual([]);
    expect((await readdir(c.incoming)).sort()).toEqual([c.wal, ...c.extras].sort());
    const nsDir = `${batchDir}/${c.ns.host}/${c.ns.server}`;
    for (const dir of [batchDir, `${batchDir}/${c.ns.host}`, nsDir]) {
      expect(await ownerAndMode(dir), dir).toEqual({ uid: pgUser.uid, mode: 0o700, kind: 'dir' });
    }
    expect((await readdir(nsDir)).filter((entry) => entry.endsWith('.shipped')).sort()).toEqual(c.extras.map((name) => `${name}.shipped`).sort());
  });

  it("a symlink planted at the batch path by another user is never followed: WAL_PATH alone is archived, a WARNING names the path, no record reaches the other user's directory", async () => {
    const c = await newCase('symlink', 3);
    const parent = await makeSharedParent(work, 'shared-symlink', 0o1777);
    const target = await attackerDir('symlink-target', 0o777);
    const batchDir = `${parent}/walship-archive`;
    await asAttacker(['ln', '-s', target, batchDir]);
    const r = await archive(c, ['--batch', '4', '--batch-dir', batchDir]);
    await expectArchived(r, c);
    expect(await listTree(target), "the attacker's directory").toEqual([]);
    expect(await readdir(parent)).toEqual(['walship-archive']);
    expect(await readdir(c.incoming)).toEqual([c.wal]);
    expectOneWarningNaming(r.stderr, batchDir);
  });

  it.each([['0777', 0o777], ['0755', 0o755]] as const)(
    'a batch directory another user created there (mode %s) is never used: WAL_PATH alone is archived, a WARNING names it, it stays empty',
    async (_label, mode) => {
      const c = await newCase(`foreign-${mode.toString(8)}`, 3);
      const parent = await makeSharedParent(work, `shared-foreign-${mode.toString(8)}`, 0o1777);
      const batchDir = `${parent}/walship-archive`;
      await asAttacker(['mkdir', '-m', mode.toString(8), batchDir]);
      const r = await archive(c, ['--batch', '4', '--batch-dir', batchDir]);
      await expectArchived(r, c);
      expect(await listTree(batchDir), "the attacker's directory").toEqual([]);
      expect(await ownerAndMode(batchDir)).toEqual({ uid: attacker.uid, mode, kind: 'dir' });
      expect(await readdir(c.incoming)).toEqual([c.wal]);
      expectOneWarningNaming(r.stderr, batchDir);
    },
  );
});

describe('--batch-dir in a world-writable parent without the sticky bit (mode 0777)', () => {
  it('is never used, even when absent (walship would create it): WAL_PATH alone is archived, a WARNING, nothing created', async () => {
    const c = await newCase('loose', 3);
    const parent = await makeSharedParent(work, 'shared-loose', 0o777);
    const batchDir = `${parent}/walship-archive`;
    const r = await archive(c, ['--batch', '4', '--batch-dir', batchDir]);
    await expectArchived(r, c);
    expect(await readdir(parent)).toEqual([]);
    expect(await readdir(c.incoming)).toEqual([c.wal]);
    expectOneWarningNaming(r.stderr, parent);
  });
});

describe('a record claiming WAL_PATH is already archived, where walship-archive --batch reads records', () => {
  /** The user's own batch base (0700, in a root-owned 755 dir) with this case's namespace made. */
  async function ownBatchDir(tag: string, c: Case): Promise<{ batchDir: string; nsDir: string }> {
    const batchDir = `${work}/own-batch-${tag}`;
    return { batchDir, nsDir: await ownNamespace(batchDir, c.ns, pgUser) };
  }

  it.each(hostilePlants(() => ({ user: pgUser, attacker, work })))(
    "in the user's own namespace, a record %s is ignored: WAL_PATH is shipped (exit 0 only once the archive host has it) and a WARNING names it",
    async (what, plant) => {
      const c = await newCase(`record-${what.replace(/[^a-z0-9]+/g, '-')}`, 0);
      const { batchDir, nsDir } = await ownBatchDir(c.server, c);
      await plant(`${nsDir}/${c.wal}.shipped`, recordFor(c.wal), `record-target-${c.server}`);
      const r = await archive(c, ['--batch', '4', '--batch-dir', batchDir]);
      await expectArchived(r, c);
      expect(warningLines(r.stderr).filter((line) => line.includes(c.wal)), r.stderr).toHaveLength(1);
    },
  );

  it.each(['a directory another user owns (0777)', 'a symlink to a directory another user owns'])(
    'under a batch path that is %s, holding the namespace and a record: WAL_PATH is shipped and a WARNING names the path',
    async (what) => {
      const c = await newCase(`record-base-${what.startsWith('a symlink') ? 'symlink' : 'foreign'}`, 0);
      const parent = await makeSharedParent(work, `shared-record-${c.server}`, 0o1777);
      const batchDir = `${parent}/walship-archive`;
      const evil = what.startsWith('a symlink') ? await attackerDir(`record-base-${c.server}`, 0o777) : batchDir;
      if (what.startsWith('a symlink')) await asAttacker(['ln', '-s', evil, batchDir]);
      else await asAttacker(['mkdir', '-m', '777', batchDir]);
      await asAttacker(['mkdir', '-p', '-m', '755', `${evil}/${c.ns.host}/${c.ns.server}`]);
      await asAttacker(['sh', '-c', `printf '%s' "$1" > "$2"`, 'sh', recordFor(c.wal), `${evil}/${c.ns.host}/${c.ns.server}/${c.wal}.shipped`]);
      const before = await listTree(evil);
      const r = await archive(c, ['--batch', '4', '--batch-dir', batchDir]);
      await expectArchived(r, c);
      expect(await listTree(evil), "the attacker's directory").toEqual(before);
      expectOneWarningNaming(r.stderr, batchDir);
    },
  );
});

describe('defaults', () => {
  it("without --batch-dir the records are in ~/.walship/batch in the user's home from the password database (not $HOME), 0700 at every level, owned by the user", async () => {
    const c = await newCase('defaults', 3);
    const home = pgUser.home;
    // (ssh expands `Include ~/.ssh/config.d/*` of the test's Host aliases with $HOME: a link to the real ~/.ssh.)
    const decoy = `${work}/decoy-home`;
    await ensureOwnedDir(decoy, pgUser, 0o700);
    await symlink(`${home}/.ssh`, `${decoy}/.ssh`);
    const r = await archive(c, ['--batch', '4'], { HOME: decoy });
    await expectArchived(r, c);
    expect(warningLines(r.stderr)).toEqual([]);
    expect((await readdir(c.incoming)).sort()).toEqual([c.wal, ...c.extras].sort());
    expect(await listTree(decoy), '$HOME').toEqual(['.ssh']);
    const walshipDir = await ownerAndMode(`${home}/.walship`);
    expect(walshipDir.uid).toBe(pgUser.uid);
    expect(walshipDir.kind).toBe('dir');
    expect(walshipDir.mode & 0o022, '~/.walship writable by group or others').toBe(0);
    const batchDir = `${home}/.walship/batch`;
    const nsDir = `${batchDir}/${c.ns.host}/${c.ns.server}`;
    for (const dir of [batchDir, `${batchDir}/${c.ns.host}`, nsDir]) {
      expect(await ownerAndMode(dir), dir).toEqual({ uid: pgUser.uid, mode: 0o700, kind: 'dir' });
    }
    for (const name of c.extras) {
      const record = await ownerAndMode(`${nsDir}/${name}.shipped`);
      expect(record.uid, `${name}.shipped owner`).toBe(pgUser.uid);
      expect(record.kind).toBe('file');
      expect(record.mode & 0o022, `${name}.shipped writable by group or others`).toBe(0);
    }
    await expect(readdir(`/var/tmp/walship-archive/${c.ns.host}`), 'the old shared default').rejects.toMatchObject({ code: 'ENOENT' });
  });
});
