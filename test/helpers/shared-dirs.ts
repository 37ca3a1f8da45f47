// Shared-directory attacks (issue 8): world-writable parents like /var/tmp, an attacker account that
// plants directories, symlinks and files there, and the checks every such test makes afterwards.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, lchown, lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { describeRun, run } from './run.js';
import { ensureOwnedDir } from './files.js';
import { ATTACKER_USER, ensureUser, PG_USER, type SystemUser } from './users.js';

const execFileAsync = promisify(execFile);

/**
 * A root-owned directory under `within` with exactly `mode`: 0o1777 stands for /tmp or /var/tmp
 * (world-writable, sticky), 0o777 for a careless world-writable directory without the sticky bit.
 */
export async function makeSharedParent(within: string, name: string, mode: 0o1777 | 0o777): Promise<string> {
  const dir = join(within, name);
  await mkdir(dir);
  await chmod(dir, mode); // mkdir's mode is filtered by the umask, and never sets the sticky bit
  return dir;
}

/** Runs argv as the attacker account; the step must succeed (it is test setup, not the attack under test). */
export async function asAttacker(argv: string[]): Promise<void> {
  await ensureUser(ATTACKER_USER);
  const r = await run(argv, { user: ATTACKER_USER });
  if (r.code !== 0) throw new Error(`attacker step failed\n${describeRun(r)}`);
}

/** Every path below dir (depth first, dir itself excluded), as `relative/path`; [] for an empty or missing dir. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const entry of (await readdir(at).catch(() => [] as string[])).sort()) {
      out.push(`${prefix}${entry}`);
      const info = await lstat(join(at, entry)).catch(() => undefined);
      if (info?.isDirectory()) await walk(join(at, entry), `${prefix}${entry}/`);
    }
  };
  await walk(dir, '');
  return out;
}

/**
 * Waits (bounded) until no process of PostgreSQL's user mentions `marker` in its command line any
 * more: the detached prefetch worker carries its job (with the -c CONFIG path) in its argv, so a
 * per-file config path finds this file's workers and nobody else's.
 */
export async function waitForPgProcesses(marker: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = await execFileAsync('pgrep', ['-u', PG_USER, '-f', marker]).then((r) => r.stdout.trim(), () => '');
    if (alive === '') return;
    if (Date.now() > deadline) throw new Error(`processes of ${PG_USER} still running for ${marker}: ${alive}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The `WARNING: ` lines of a stderr text. */
export const warningLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('WARNING: '));

/** Exactly one WARNING line, and it names `path` (the directory or file walship refused). */
export function expectOneWarningNaming(stderr: string, path: string): void {
  const warnings = warningLines(stderr);
  expect(warnings, `WARNING lines in:\n${stderr}`).toHaveLength(1);
  expect(warnings[0], `the WARNING names ${path}`).toContain(path);
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Owner uid and permission bits (incl. sticky) of path, without following a symlink. */
export async function ownerAndMode(path: string): Promise<{ uid: number; mode: number; kind: 'dir' | 'file' | 'symlink' | 'other' }> {
  const info = await lstat(path);
  const kind = info.isSymbolicLink() ? 'symlink' : info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
  return { uid: info.uid, mode: info.mode & 0o7777, kind };
}

/**
 * The namespace below a spool or batch base (issue 8 decisions D1, unchanged format):
 * `<user>@<host>[_port]/<server>[+first 8 hex of sha256(CONFIG)]`, and for the restore spool
 * `.<system identifier>-<first 8 hex of sha256(data dir)>` after it. The tests' names need no escaping.
 */
export function namespaceOf(
  user: string,
  host: string,
  server: string,
  config: string | undefined,
  cluster?: { systemIdentifier: bigint; dataDir: string },
): { host: string; server: string } {
  if (!/^[A-Za-z0-9_-]+$/.test(user + host + server)) throw new Error('namespaceOf: names that need escaping');
  const hash8 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);
  const suffix = config === undefined ? '' : `+${hash8(config)}`;
  // The restore spool adds the recovering cluster (issue 10): `.<system identifier>-<hash of the data dir's real path>`.
  const clusterPart = cluster === undefined ? '' : `.${cluster.systemIdentifier}-${hash8(cluster.dataDir)}`;
  return { host: `${user}@${host}`, server: `${server}${suffix}${clusterPart}` };
}

/** A directory the attacker owns with `mode`, somewhere only it decides about (not in a shared parent). */
export async function attackerOwnedDir(within: string, tag: string, attacker: SystemUser, mode: number): Promise<string> {
  const dir = `${within}/evil-${tag}`;
  await ensureOwnedDir(dir, attacker, mode);
  return dir;
}

/** `base/<host>/<server>`, each level 0700 and the user's own: a private namespace as walship makes it. */
export async function ownNamespace(base: string, ns: { host: string; server: string }, user: SystemUser): Promise<string> {
  const nsDir = `${base}/${ns.host}/${ns.server}`;
  for (const dir of [base, `${base}/${ns.host}`, nsDir]) await ensureOwnedDir(dir, user, 0o700);
  return nsDir;
}

/** Plants `content` at `path`; `tag` names any directory of the attacker's it needs. */
export type Plant = (path: string, content: Buffer | string, tag: string) => Promise<void>;

/**
 * The hostile files an attacker (or a careless admin) leaves under a name in the user's own private
 * namespace: another user's file, the user's own but world-writable, and a symlink to another
 * user's file. walship must trust none of them (issue 8).
 */
export function hostilePlants(setup: () => { user: SystemUser; attacker: SystemUser; work: string }): Array<[string, Plant]> {
  // it.each lists the cases before beforeAll has made the users: they are read when a case runs.
  const plantAs = async (path: string, content: Buffer | string, owner: SystemUser, mode: number): Promise<void> => {
    await writeFile(path, content);
    await chown(path, owner.uid, owner.gid);
    await chmod(path, mode);
  };
  return [
    ['owned by another user (mode 0644)', (path, content) => plantAs(path, content, setup().attacker, 0o644)],
    ['owned by the user but mode 0666', (path, content) => plantAs(path, content, setup().user, 0o666)],
    ["a symlink to another user's file", async (path, content, tag) => {
      const { user, attacker, work } = setup();
      const target = `${await attackerOwnedDir(work, tag, attacker, 0o755)}/${basename(path)}`;
      await plantAs(target, content, attacker, 0o644);
      await symlink(target, path);
      await lchown(path, user.uid, user.gid);
    }],
  ];
}
