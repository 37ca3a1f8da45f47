// issue 2 "Bad input", client side and filesystem side, run as the accounts that meet them in real
// life: WAL_PATH problems as the PostgreSQL user (root could read anything), an incoming directory
// the archive user cannot write, a full disk, and an archive host ssh cannot reach.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/files.js';
import { freePort } from '../helpers/free-port.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run, type RunResult } from '../helpers/run.js';
import { ARCHIVE_USER, ensureUser, PG_USER, type SystemUser } from '../helpers/users.js';
import { putWalStream } from '../fixtures/archive/tar.js';
import { listDir, SEGMENT } from '../fixtures/archive/server.js';
import { randomSegment } from '../fixtures/restore/segments.js';

let work = '';
let pg: SystemUser;
let archiveUser: SystemUser;
/** A segment put-wal's header check accepts (issue 8), with a random body. */
const WAL = randomSegment(SEGMENT, 1 << 20);

beforeAll(async () => {
  requireIntegration(['root', 'sshd']);
  pg = await ensureUser(PG_USER);
  archiveUser = await ensureUser(ARCHIVE_USER);
  work = await makeTempDir('walship-archive-bad-');
});

afterAll(async () => {
  // tmpfs mounts are undone by their own test; the rest is plain files.
  if (work !== '') await run(['rm', '-rf', work]);
});

/** A Barman config whose barman_home is `home` (created by the caller). */
async function configFor(name: string, home: string): Promise<string> {
  const path = `${work}/${name}.conf`;
  await writeFile(path, `[barman]\nbarman_home = ${home}\n\n[pg]\ndescription = bad input\n`, { mode: 0o644 });
  return path;
}

/** A WAL file for the PostgreSQL user in a directory it owns, like pg_wal. */
async function pgWal(mode = 0o600, owner: SystemUser = pg): Promise<string> {
  const dir = `${work}/pg_wal-${randomBytes(4).toString('hex')}`;
  await mkdir(dir, { mode: 0o755 });
  await chown(dir, pg.uid, pg.gid);
  const path = `${dir}/${SEGMENT}`;
  await writeFile(path, WAL, { mode });
  await chown(path, owner.uid, owner.gid);
  await chmod(path, mode);
  return path;
}

const expectLine = (r: RunResult, status: number, stderr: string | RegExp): void => {
  expect(r.code, describeRun(r)).toBe(status);
  if (typeof stderr === 'string') expect(r.stderr).toBe(stderr);
  else expect(r.stderr).toMatch(stderr);
};

describe('WAL_PATH problems exit 2 with an ERROR line, as the PostgreSQL user', () => {
  let config = '';
  let incoming = '';
  beforeAll(async () => {
    const home = `${work}/pg-home`;
    await mkdir(home, { mode: 0o777 });
    await chmod(home, 0o777);
    config = await configFor('walpath', home);
    incoming = `${home}/pg/incoming`;
  });

  const archiveAsPg = (walPath: string, bin = 'walship-archive'): Promise<RunResult> =>
    run([binPath(bin), '--transport', 'local', '-c', config, 'anyhost', 'pg', walPath], { user: PG_USER });

  it('WAL_PATH missing', async () => {
    const path = `${work}/nowhere/${SEGMENT}`;
    expectLine(await archiveAsPg(path), 2, `ERROR: WAL_PATH ${path} does not exist\n`);
    expect(listDir(incoming)).toEqual([]);
  });

  it('WAL_PATH a directory', async () => {
    const path = `${work}/dir-${randomBytes(4).toString('hex')}/${SEGMENT}`;
    await mkdir(path, { recursive: true });
    expectLine(await archiveAsPg(path), 2, `ERROR: WAL_PATH ${path} is not a regular file (it is a directory)\n`);
    expect(listDir(incoming)).toEqual([]);
  });

  it('WAL_PATH unreadable (root-owned 0600): permission denied', async () => {
    const path = await pgWal(0o600, { name: 'root', uid: 0, gid: 0, home: '/root' });
    expectLine(await archiveAsPg(path), 2, `ERROR: WAL_PATH ${path} is not readable (permission denied)\n`);
    expect(listDir(incoming)).toEqual([]);
  });

  it('the barman-wal-archive alias behaves the same', async () => {
    const path = `${work}/nowhere/${SEGMENT}`;
    expectLine(await archiveAsPg(path, 'barman-wal-archive'), 2, `ERROR: WAL_PATH ${path} does not exist\n`);
  });

  it('a readable WAL_PATH is archived by the same command (the failures above are the file, not the setup)', async () => {
    const r = await archiveAsPg(await pgWal(0o600));
    expect(r.code, describeRun(r)).toBe(0);
    expect(listDir(incoming)).toEqual([SEGMENT]);
  });
});

describe('an incoming directory the archive user cannot write (root-owned, 0755)', () => {
  let config = '';
  let incoming = '';
  beforeAll(async () => {
    const home = `${work}/ro-home`;
    await mkdir(`${home}/pg/incoming`, { recursive: true, mode: 0o755 });
    await chown(home, archiveUser.uid, archiveUser.gid);
    await chown(`${home}/pg`, archiveUser.uid, archiveUser.gid);
    incoming = `${home}/pg/incoming`; // stays root's, 0755
    config = await configFor('readonly', home);
  });

  it('put-wal exits 1 with an ERROR line naming the directory and a HINT', async () => {
    const r = await run([binPath('walship-server'), '-c', config, 'put-wal', 'pg'], { user: ARCHIVE_USER, input: putWalStream([[SEGMENT, WAL]]) });
    expectLine(r, 1,
      `ERROR: incoming directory ${incoming} is not usable: EACCES: permission denied, access '${incoming}'\n` +
        'HINT: check its owner and permissions: the ssh user running put-wal must be able to write there\n');
    expect(listDir(incoming)).toEqual([]);
  });

  it('walship-archive (local transport, as the archive user) passes the status 1 on', async () => {
    const path = `${work}/ro-wal-${randomBytes(4).toString('hex')}`;
    await mkdir(path, { mode: 0o755 });
    await writeFile(`${path}/${SEGMENT}`, WAL, { mode: 0o644 });
    const r = await run([binPath('walship-archive'), '--transport', 'local', '-c', config, 'h', 'pg', `${path}/${SEGMENT}`], { user: ARCHIVE_USER });
    expectLine(r, 1, new RegExp(`^ERROR: incoming directory ${incoming} is not usable: EACCES.*\\nHINT: .*\\nERROR: remote 'barman put-wal' on local failed with status 1\\n$`));
    expect(listDir(incoming)).toEqual([]);
  });
});

describe('a full disk', () => {
  it('put-wal exits 1 with ENOSPC in its ERROR line and leaves no temp file (regression: was "The operation was aborted")', async () => {
    const mountPoint = `${work}/full`;
    await mkdir(mountPoint);
    const mount = await run(['mount', '-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint]);
    expect(mount.code, `this test mounts a 512 KiB tmpfs and needs root with mount rights\n${describeRun(mount)}`).toBe(0);
    try {
      const config = await configFor('full', `${mountPoint}/home`);
      const r = await run([binPath('walship-server'), '-c', config, 'put-wal', 'pg'], { input: putWalStream([[SEGMENT, WAL]]) });
      expectLine(r, 1, 'ERROR: ENOSPC: no space left on device, write\n');
      expect(listDir(`${mountPoint}/home/pg/incoming`)).toEqual([]);
    } finally {
      await run(['umount', mountPoint]);
    }
  });
});

describe('an archive host ssh cannot reach exits 3', () => {
  it('a closed port on 127.0.0.1 (connection refused)', async () => {
    const port = await freePort();
    const r = await run([binPath('walship-archive'), '--port', String(port), '127.0.0.1', 'pg', await pgWal()], { user: PG_USER });
    expectLine(r, 3, 'ERROR: cannot reach the archive host barman@127.0.0.1: ssh to 127.0.0.1 failed (exit 255)\n');
  });

  it('a host name that does not resolve', async () => {
    const r = await run([binPath('walship-archive'), 'walship-no-such-host.invalid', 'pg', await pgWal()], { user: PG_USER });
    expectLine(r, 3, /^ERROR: cannot reach the archive host barman@walship-no-such-host\.invalid: .*exit 255/);
  });

  it('--test against a closed port', async () => {
    const port = await freePort();
    const r = await run([binPath('walship-archive'), '--test', '--port', String(port), '127.0.0.1', 'pg'], { user: PG_USER });
    expect(r.code, describeRun(r)).toBe(3);
  });
});
