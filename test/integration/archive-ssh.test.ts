// issue 2 "Must show", over a real sshd on 127.0.0.1: Debian's barman-wal-archive 3.4 → walship's
// server; walship-archive --md5 → Debian's barman put-wal 3.4; walship-archive → walship's server
// plain, -z and -j (checked with gzip -t / bzip2 -t); and the remote shell seeing hostile words exactly.
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSshTransport, sshArgvFor } from '../../src/transport/openssh.js';
import { LONG_HEADER_SIZE } from '../../src/wal/header.js';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run, type RunResult } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, ensureUser, PG_USER } from '../helpers/users.js';
import { leftovers, listDir } from '../fixtures/archive/server.js';
import { makeSegment } from '../fixtures/restore/segments.js';

const ARCHIVE_PATH = `${repoRoot}/bin:/usr/bin:/bin`;
const MiB = 1024 * 1024;

let sshd: Sshd;
let work = '';
/** walship's server side: ARCHIVE_USER, whose `barman` is bin/barman. */
let walship = { configPath: '', incoming: '' };
/** Debian's barman 3.4 server side: the barman account. */
let barman = { configPath: '', incoming: '' };
let walCounter = 0x10;

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'barman', 'barman-cli']);
  work = await makeTempDir('walship-archive-ssh-');
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: ARCHIVE_PATH }, { user: BARMAN_USER }] });
  await mkdir(`${work}/walship`, { mode: 0o755 });
  await mkdir(`${work}/barman`, { mode: 0o755 });
  const w = await writeBarmanConfig({ dir: `${work}/walship`, servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  walship = { configPath: w.configPath, incoming: `${w.barmanHome}/pg/incoming` };
  const b = await writeBarmanConfig({ dir: `${work}/barman`, servers: [{ name: 'pg' }], owner: BARMAN_USER });
  barman = { configPath: b.configPath, incoming: `${b.barmanHome}/pg/incoming` };
});

afterAll(async () => {
  await sshd?.stop();
});

/** A fresh segment name and file owned by the PostgreSQL user (like pg_wal/NAME), and its bytes (`data`, header stamped). */
async function pgSegment(data: Buffer = randomBytes(16 * MiB)): Promise<{ name: string; path: string; data: Buffer }> {
  const pg = await ensureUser(PG_USER);
  const name = `00000001000000000000${(walCounter++).toString(16).toUpperCase().padStart(4, '0')}`;
  const dir = `${work}/pg_wal-${name}`;
  await mkdir(dir, { mode: 0o700 });
  await chown(dir, pg.uid, pg.gid);
  const path = `${dir}/${name}`;
  // A valid long page header for its name, as put-wal checks it (issue 8); the body stays the caller's.
  makeSegment(name, { size: data.length }).copy(data, 0, 0, LONG_HEADER_SIZE);
  await writeFile(path, data, { mode: 0o600 });
  await chown(path, pg.uid, pg.gid);
  return { name, path, data };
}

const asPg = (argv: string[]): Promise<RunResult> => run(argv, { user: PG_USER, timeoutMs: 120_000 });
const walshipArchive = (flags: string[], server: string, path: string): Promise<RunResult> =>
  asPg([binPath('walship-archive'), ...flags, sshd.host, server, path]);

/** WAL-like bytes: 4 MiB of varied tuples, then zeros, as in a segment closed early by pg_switch_wal. */
const walLike = (size: number): Buffer => {
  const out = Buffer.alloc(size);
  const noise = randomBytes(MiB).toString('hex');
  let offset = 0;
  for (let i = 0; offset < Math.min(size, 4 * MiB); i++) {
    offset += out.write(`tuple ${i} ${(i * 2654435761) % 1000003} ${noise.slice((i * 12) % (noise.length - 12), ((i * 12) % (noise.length - 12)) + 12)} `, offset);
  }
  return out;
};

describe("Debian's barman-wal-archive 3.4 → ssh → walship's server (the barman alias)", () => {
  it('--test prints the ready line of walship\'s put-wal', async () => {
    const r = await asPg(['/usr/bin/barman-wal-archive', '--test', '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg', 'DUMMY']);
    expect(r.code, describeRun(r)).toBe(0);
    // barman-wal-archive prints what the remote printed, with print()'s own newline after it.
    expect(r.stdout.toString().trimEnd()).toBe('Ready to accept WAL files for the server pg');
  });

  it('archives a segment byte-identical into incoming (MD5SUMS, PAX)', async () => {
    const wal = await pgSegment();
    const r = await asPg(['/usr/bin/barman-wal-archive', '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg', wal.path]);
    expect(r.code, describeRun(r)).toBe(0);
    expect((await readFile(`${walship.incoming}/${wal.name}`)).equals(wal.data)).toBe(true);
    expect(leftovers(walship.incoming)).toEqual([]);

    // Sent again (PostgreSQL retrying after a lost answer): walship accepts the identical copy.
    const again = await asPg(['/usr/bin/barman-wal-archive', '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg', wal.path]);
    expect(again.code, describeRun(again)).toBe(0);
    expect(again.stderr).toContain(`WAL file ${wal.name} is already archived with identical content`);
  });

  it("an unknown server: barman-wal-archive reports walship's ERROR line and fails", async () => {
    const wal = await pgSegment(randomBytes(MiB));
    const r = await asPg(['/usr/bin/barman-wal-archive', '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'nope', wal.path]);
    expect(r.code, describeRun(r)).not.toBe(0);
    expect(r.stdout.toString() + r.stderr).toContain("ERROR: Unknown server 'nope'");
  });
});

describe("walship-archive → ssh → Debian's barman put-wal 3.4", () => {
  it('--md5: accepted, byte-identical in the real barman\'s incoming', async () => {
    const wal = await pgSegment();
    const r = await walshipArchive(['--md5', '-c', barman.configPath], 'pg', wal.path);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect((await readFile(`${barman.incoming}/${wal.name}`)).equals(wal.data)).toBe(true);
    expect(listDir(barman.incoming).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('--test prints the real barman\'s ready line', async () => {
    const r = await asPg([binPath('walship-archive'), '--test', '-c', barman.configPath, sshd.host, 'pg']);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.toString()).toBe('Ready to accept WAL files for the server pg\n');
  });

  it('without --md5, barman 3.4 (which knows only MD5SUMS) refuses the stream and walship-archive exits with its status 1', async () => {
    const wal = await pgSegment(randomBytes(MiB));
    const r = await walshipArchive(['-c', barman.configPath], 'pg', wal.path);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("ERROR: Missing checksum for file");
    expect(listDir(barman.incoming)).not.toContain(wal.name);
  });

  it('a duplicate: barman 3.4 refuses it (Barman before 3.13), and walship-archive passes the failure on', async () => {
    const wal = await pgSegment(randomBytes(MiB));
    expect((await walshipArchive(['--md5', '-c', barman.configPath], 'pg', wal.path)).code).toBe(0);
    const r = await walshipArchive(['--md5', '-c', barman.configPath], 'pg', wal.path);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain(`Impossible to write already existing file '${wal.name}'`);
  });
});

describe("walship-archive → ssh → walship's server", () => {
  it('archives a segment byte-identical; --test prints the ready line', async () => {
    const wal = await pgSegment();
    const r = await walshipArchive(['-U', ARCHIVE_USER, '-c', walship.configPath], 'pg', wal.path);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect((await readFile(`${walship.incoming}/${wal.name}`)).equals(wal.data)).toBe(true);
    const t = await asPg([binPath('walship-archive'), '--test', '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg']);
    expect(t.code, describeRun(t)).toBe(0);
    expect(t.stdout.toString()).toBe('Ready to accept WAL files for the server pg\n');
  });

  for (const [flag, program] of [['-z', 'gzip'], ['-j', 'bzip2']] as const) {
    it(`${flag}: stored ${program}-compressed under the plain WAL name; ${program} -t accepts it; it decompresses to the original`, async () => {
      const wal = await pgSegment(walLike(16 * MiB));
      const r = await walshipArchive([flag, '-U', ARCHIVE_USER, '-c', walship.configPath], 'pg', wal.path);
      expect(r.code, describeRun(r)).toBe(0);
      const stored = `${walship.incoming}/${wal.name}`;
      const bytes = await readFile(stored);
      expect(bytes.subarray(0, 3).toString('latin1')).toBe(program === 'gzip' ? '\x1f\x8b\x08' : 'BZh');
      expect(bytes.length).toBeLessThan(wal.data.length / 4);
      const check = await run([program, '-t', stored]);
      expect(check.code, describeRun(check)).toBe(0);
      const decoded = await run([program, '-dc', stored]);
      expect(decoded.stdout.equals(wal.data)).toBe(true);
    });
  }

  it('the barman-wal-archive alias (bin/) speaks the same: an identical re-send exits 0', async () => {
    const wal = await pgSegment(randomBytes(MiB));
    const argv = [binPath('barman-wal-archive'), '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg', wal.path];
    expect((await asPg(argv)).code).toBe(0);
    const again = await asPg(argv);
    expect(again.code, describeRun(again)).toBe(0);
    expect(again.stderr).toContain('is already archived with identical content');
  });

  it('an unknown server: exit 1 with the remote\'s ERROR line', async () => {
    const wal = await pgSegment(randomBytes(MiB));
    const r = await walshipArchive(['-U', ARCHIVE_USER, '-c', walship.configPath], 'nope', wal.path);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toBe(`ERROR: Unknown server 'nope'\nERROR: remote 'barman put-wal' on ${ARCHIVE_USER}@${sshd.host} failed with status 1\n`);
  });
});

describe("Debian's barman 3.4 takes over what walship's put-wal stored", () => {
  it('archive-wal files plain, -z and -j segments into wals/<hash>/ (xlog.db: size, mtime, compression) and get-wal serves the original bytes', async () => {
    const dir = `${work}/handover`;
    await mkdir(dir, { mode: 0o755 });
    const config = await writeBarmanConfig({ dir, servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
    const sent: Array<{ name: string; data: Buffer; flag: string; compression: string }> = [];
    for (const [flag, compression] of [['', 'None'], ['-z', 'gzip'], ['-j', 'bzip2']] as const) {
      const wal = await pgSegment(walLike(16 * MiB));
      await run(['touch', '-d', '2023-04-05 06:07:08 UTC', wal.path]);
      const r = await walshipArchive([...(flag ? [flag] : []), '-U', ARCHIVE_USER, '-c', config.configPath], 'pg', wal.path);
      expect(r.code, describeRun(r)).toBe(0);
      sent.push({ name: wal.name, data: wal.data, flag, compression });
    }
    const archiveWal = await run(['barman', '-c', config.configPath, 'archive-wal', 'pg'], { user: ARCHIVE_USER, cwd: dir });
    expect(archiveWal.code, describeRun(archiveWal)).toBe(0);
    expect(listDir(`${config.barmanHome}/pg/incoming`)).toEqual([]);
    expect(listDir(`${config.barmanHome}/pg/errors`)).toEqual([]);
    const xlogdb = (await readFile(`${config.barmanHome}/pg/wals/xlog.db`, 'utf8')).trim().split('\n').map((line) => line.split('\t'));
    for (const wal of sent) {
      const stored = await stat(`${config.barmanHome}/pg/wals/${wal.name.slice(0, 16)}/${wal.name}`);
      expect(xlogdb, wal.name).toContainEqual([wal.name, String(stored.size), '1680674828.0', wal.compression]);
      const get = await run(['barman', '-c', config.configPath, 'get-wal', 'pg', wal.name], { user: ARCHIVE_USER, cwd: dir });
      expect(get.code, describeRun(get)).toBe(0);
      expect(get.stdout.equals(wal.data), `barman get-wal ${wal.name} (${wal.flag || 'plain'})`).toBe(true);
    }
  });
});

describe("the archived file keeps the segment's mtime (Barman's archiver records it in xlog.db; barman recover --target-time reads it)", () => {
  it("Debian's barman put-wal 3.4 and walship's put-wal both keep it", async () => {
    const wal = await pgSegment(randomBytes(MiB));
    await run(['touch', '-d', '2021-02-03 04:05:06.5 UTC', wal.path]);
    const toBarman = await walshipArchive(['--md5', '-c', barman.configPath], 'pg', wal.path);
    expect(toBarman.code, describeRun(toBarman)).toBe(0);
    const fromCli = await asPg(['/usr/bin/barman-wal-archive', '-U', ARCHIVE_USER, '-c', walship.configPath, sshd.host, 'pg', wal.path]);
    expect(fromCli.code, describeRun(fromCli)).toBe(0);
    const mtime = async (path: string): Promise<string> => (await stat(path)).mtime.toISOString();
    expect(await mtime(`${barman.incoming}/${wal.name}`)).toBe('2021-02-03T04:05:06.500Z');
    expect(await mtime(`${walship.incoming}/${wal.name}`)).toBe('2021-02-03T04:05:06.500Z');

    const second = await pgSegment(randomBytes(MiB));
    await run(['touch', '-d', '2022-03-04 05:06:07.25 UTC', second.path]);
    const own = await walshipArchive(['-z', '-U', ARCHIVE_USER, '-c', walship.configPath], 'pg', second.path);
    expect(own.code, describeRun(own)).toBe(0);
    expect(await mtime(`${walship.incoming}/${second.name}`)).toBe('2022-03-04T05:06:07.250Z');
  });
});

describe('--reuse-connection (OpenSSH ControlPersist)', () => {
  it('archives through a persistent master and never waits for the master to exit', async () => {
    const pgUser = await ensureUser(PG_USER);
    const walA = await pgSegment(randomBytes(MiB));
    const walB = await pgSegment(randomBytes(MiB));
    const flags = ['--reuse-connection', '30', '-U', ARCHIVE_USER, '-c', walship.configPath];
    const started = Date.now();
    const first = await walshipArchive(flags, 'pg', walA.path);
    const firstMs = Date.now() - started;
    expect(first.code, describeRun(first)).toBe(0);
    const second = await walshipArchive(flags, 'pg', walB.path);
    expect(second.code, describeRun(second)).toBe(0);
    // ControlPersist 30: a call that waited for the master would take 30 s.
    expect(firstMs).toBeLessThan(10_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await readFile(`${walship.incoming}/${walB.name}`)).equals(walB.data)).toBe(true);
    const sockets = (await readdir(`${pgUser.home}/.ssh`)).filter((n) => n.startsWith('walship-'));
    expect(sockets.length).toBeGreaterThanOrEqual(1);
    // Stop the master this test started (ssh -O exit), so nothing outlives the file's sshd.
    const stop = await asPg(['ssh', '-o', `ControlPath=${pgUser.home}/.ssh/walship-%C`, '-O', 'exit', `${ARCHIVE_USER}@${sshd.host}`]);
    expect(stop.code, describeRun(stop)).toBe(0);
  });
});

describe('the remote login shell (bash, over real ssh) sees every quoted word exactly', () => {
  it('hostile words survive ssh + the far shell unchanged', async () => {
    const words = ["it's", 'two words', 'a;id', '$(id)', '`id`', 'line\nbreak', '"q"', '\\', '$HOME', '*', '~', '', '#x', 'a|b', '-oProxyCommand=x'];
    const argv = sshArgvFor({ host: sshd.host, user: ARCHIVE_USER }, ['printf', '%s\\0', ...words]);
    const r = await asPg(['ssh', ...argv]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.toString().split('\0').slice(0, -1)).toEqual(words);
  });

  it('the OpenSSH transport reports an unreachable host as a transport failure', async () => {
    // In-process, as root: an alias root has no config for, on a port nobody listens on.
    const transport = openSshTransport({ host: '127.0.0.1', user: 'nobody', port: 1, stderr: process.stderr });
    const remote = transport.run(['put-wal', 'pg']);
    remote.stdin.end();
    expect(await remote.done).toEqual({ status: undefined, transportError: 'ssh to 127.0.0.1 failed (exit 255)' });
  });
});

