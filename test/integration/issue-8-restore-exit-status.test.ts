// issue 8 (decision D2): walship-restore exits 1 only when the archive answers "not found" or
// "unknown server"; an archive that has the segment but cannot decode it, a broken archive-host
// configuration or an inactive server is exit 2, because PostgreSQL reads 1 as "not in the
// archive" and may end a recovery there. Checked through --transport local, over a real sshd to
// walship-server, on walship-server get-wal itself, and against Debian's barman 3.4 over ssh.
import { chown, readdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run, type RunResult } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, ensureUser, PG_USER } from '../helpers/users.js';
import { corruptStored, MAGIC, type CorruptKind } from '../fixtures/restore/corrupt.js';
import { makeSegment } from '../fixtures/restore/segments.js';
import { pgDestDir } from '../fixtures/restore/wals.js';

const GOOD = '000000010000000000000020';
const CORRUPT: Record<CorruptKind, string> = {
  gzip: '000000010000000000000021',
  bzip2: '000000010000000000000022',
  zstd: '000000010000000000000023',
};
const ABSENT = '0000000100000000000000F0';
const KINDS: CorruptKind[] = ['gzip', 'bzip2', 'zstd'];
const NOT_FOUND = (name: string, server: string): string => `ERROR: WAL file '${name}' not found in server '${server}'`;
/** walship-restore's own line for Barman's not-found answer (issue 10: a routine answer writes no ERROR into PostgreSQL's log). */
const NOT_IN_ARCHIVE = (name: string, server: string): string => `NOTE: WAL file '${name}' is not in the archive of server '${server}'`;

let sshd: Sshd | undefined;
let work = '';
/** walship-server's configuration: `pg` (good and corrupt files), `loop` (interpolation loop), `off` (inactive). */
let walshipConfig = '';
/** Debian barman's configuration: `pg` with the same files. */
let barmanConfig = '';

/** Stores `bytes` as `<home>/<server>/wals/<hash>/<name>`, owned by `owner`, readable by all. */
async function storeInWals(home: string, server: string, name: string, bytes: Buffer, ownerName: string): Promise<void> {
  const owner = await ensureUser(ownerName);
  const hashDir = `${home}/${server}/wals/${name.slice(0, 16)}`;
  await ensureOwnedDir(hashDir, owner, 0o755);
  await writeFile(`${hashDir}/${name}`, bytes, { mode: 0o644 });
  await chown(`${hashDir}/${name}`, owner.uid, owner.gid);
}

/** The archive content both servers hold: one good segment and one corrupt file per format. */
async function fillArchive(home: string, owner: string): Promise<void> {
  await storeInWals(home, 'pg', GOOD, makeSegment(GOOD), owner);
  for (const kind of KINDS) {
    const bytes = corruptStored(kind, makeSegment(CORRUPT[kind]));
    expect(bytes.subarray(0, MAGIC[kind].length).equals(MAGIC[kind])).toBe(true);
    await storeInWals(home, 'pg', CORRUPT[kind], bytes, owner);
  }
}

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'barman']);
  sshd = await startSshd({
    clients: [PG_USER],
    servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }, { user: BARMAN_USER }],
  });
  work = await makeTempDir('walship-issue8-exit-');

  const walshipDir = `${work}/walship`;
  await ensureOwnedDir(walshipDir, { name: 'root', uid: 0, gid: 0, home: '/root' }, 0o755);
  const walship = await writeBarmanConfig({
    dir: walshipDir,
    owner: ARCHIVE_USER,
    servers: [
      { name: 'pg' },
      // A reference loop on a key get-wal must resolve: the host's configuration is broken.
      { name: 'loop', extra: { backup_directory: '%(loop_a)s', loop_a: '%(backup_directory)s' } },
      { name: 'off', extra: { active: 'off' } },
    ],
  });
  walshipConfig = walship.configPath;
  await fillArchive(walship.barmanHome, ARCHIVE_USER);

  const barmanDir = `${work}/barman`;
  await ensureOwnedDir(barmanDir, { name: 'root', uid: 0, gid: 0, home: '/root' }, 0o755);
  const barman = await writeBarmanConfig({ dir: barmanDir, owner: BARMAN_USER, servers: [{ name: 'pg' }] });
  barmanConfig = barman.configPath;
  await fillArchive(barman.barmanHome, BARMAN_USER);
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
});

type Route = 'local' | 'ssh' | 'barman';

/** walship-restore as PostgreSQL's user: in-process get-wal (local), walship-server over ssh, or barman 3.4 over ssh. */
function restore(route: Route, server: string, name: string, dest: string): Promise<RunResult> {
  const target = route === 'local'
    ? ['--transport', 'local', '-c', walshipConfig, 'archive-host']
    : ['-U', route === 'ssh' ? ARCHIVE_USER : BARMAN_USER, '-c', route === 'ssh' ? walshipConfig : barmanConfig, sshd!.host];
  return run([binPath('walship-restore'), ...target, server, name, dest], { user: PG_USER });
}

/**
 * Runs the restore twice: into an empty directory (WAL_DEST must not appear), and over a WAL_DEST
 * left from before (it must keep its bytes). Returns the first run for the status checks.
 */
async function restoreNothingDelivered(route: Route, server: string, name: string): Promise<RunResult> {
  const dir = await pgDestDir(work, `${route}-${server}`);
  const dest = `${dir}/RECOVERYXLOG`;
  const first = await restore(route, server, name, dest);
  expect(await readdir(dir), `WAL_DEST must not be created\n${describeRun(first)}`).toEqual([]);
  await writeFile(dest, 'from before');
  const second = await restore(route, server, name, dest);
  expect(second.code, describeRun(second)).toBe(first.code);
  expect(await readFile(dest, 'utf8'), 'an existing WAL_DEST is left untouched').toBe('from before');
  expect(await readdir(dir)).toEqual(['RECOVERYXLOG']);
  return first;
}

const errorLines = (r: RunResult): string[] => r.stderr.split('\n').filter((line) => line.startsWith('ERROR: '));

describe.each(['local', 'ssh'] as const)('walship-restore against walship-server (%s)', (route) => {
  it('a good segment is delivered byte for byte (the setup serves what it has)', async () => {
    const dir = await pgDestDir(work, `${route}-good`);
    const r = await restore(route, 'pg', GOOD, `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(0);
    expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(makeSegment(GOOD))).toBe(true);
  });

  it.each(KINDS)('a corrupt stored %s file the archive has: exit 2 (never 1), an ERROR line, nothing delivered', async (kind) => {
    const r = await restoreNothingDelivered(route, 'pg', CORRUPT[kind]);
    expect(r.code, describeRun(r)).toBe(2);
    expect(errorLines(r), describeRun(r)).not.toEqual([]);
    expect(r.stderr).not.toContain(NOT_FOUND(CORRUPT[kind], 'pg'));
  });

  it('a broken archive-host configuration (an interpolation loop in the server section): exit 2, nothing delivered', async () => {
    const r = await restoreNothingDelivered(route, 'loop', GOOD);
    expect(r.code, describeRun(r)).toBe(2);
    expect(errorLines(r), describeRun(r)).not.toEqual([]);
  });

  it('an inactive server (active = off): exit 2, nothing delivered', async () => {
    const r = await restoreNothingDelivered(route, 'off', GOOD);
    expect(r.code, describeRun(r)).toBe(2);
    expect(errorLines(r), describeRun(r)).not.toEqual([]);
  });

  it('a segment really absent from the archive: exit 1 with one NOTE line, no ERROR line (issue 10)', async () => {
    const r = await restoreNothingDelivered(route, 'pg', ABSENT);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain(`${NOT_IN_ARCHIVE(ABSENT, 'pg')}\n`);
    expect(r.stderr).not.toMatch(/^ERROR:/m);
  });

  it('an unknown server: exit 1 with the unknown-server ERROR line', async () => {
    const r = await restoreNothingDelivered(route, 'nope', GOOD);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("ERROR: Unknown server 'nope'\n");
  });
});

describe('walship-server get-wal itself', () => {
  const getWal = (server: string, name: string): Promise<RunResult> =>
    run([binPath('walship-server'), '-c', walshipConfig, 'get-wal', server, name], { user: ARCHIVE_USER });

  it.each(KINDS)('a stored %s file that cannot be decoded: exit 2 with an ERROR line', async (kind) => {
    const r = await getWal('pg', CORRUPT[kind]);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: /m);
  });

  it('a configuration error (interpolation loop): exit 2 with an ERROR line', async () => {
    const r = await getWal('loop', GOOD);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: /m);
    expect(r.stdout.length).toBe(0);
  });

  it('an inactive server: exit 2 with an ERROR line', async () => {
    const r = await getWal('off', GOOD);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: /m);
    expect(r.stdout.length).toBe(0);
  });

  it('not found: exit 1 with Barman\'s line, nothing on stdout', async () => {
    const r = await getWal('pg', ABSENT);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toBe(`${NOT_FOUND(ABSENT, 'pg')}\n`);
    expect(r.stdout.length).toBe(0);
  });

  it('an unknown server: exit 1 with Barman\'s line', async () => {
    const r = await getWal('nope', GOOD);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toBe("ERROR: Unknown server 'nope'\n");
  });
});

describe('walship-restore against Debian barman get-wal 3.4 over ssh', () => {
  it('a corrupt stored gzip in barman\'s wals: exit 2, nothing delivered (barman exits 1; its stderr line is not "not found")', async () => {
    const r = await restoreNothingDelivered('barman', 'pg', CORRUPT.gzip);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.stderr).not.toContain(NOT_FOUND(CORRUPT.gzip, 'pg'));
  });

  it('a segment really absent: exit 1, nothing delivered, one NOTE line and no ERROR line (issue 10)', async () => {
    const r = await restoreNothingDelivered('barman', 'pg', ABSENT);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain(`${NOT_IN_ARCHIVE(ABSENT, 'pg')}\n`);
    expect(r.stderr).not.toMatch(/^ERROR:/m);
  });

  it('a good segment is delivered byte for byte (barman serves this archive)', async () => {
    const dir = await pgDestDir(work, 'barman-good');
    const r = await restore('barman', 'pg', GOOD, `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(0);
    expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(makeSegment(GOOD))).toBe(true);
  });
});
