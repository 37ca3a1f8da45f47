// issue 8 (D6): put-wal records the system identifier a server's archive holds in
// <backup_directory>/walship-system-identifier and refuses a segment of another cluster, or a member
// that is not the segment its name claims, publishing nothing. Real PostgreSQL 15 segments (cluster A)
// and copies patched to another identifier (B); walship-archive --transport local as the archive
// user, walship-server put-wal with hand-made streams, walship-archive over a real sshd, and a real
// PostgreSQL archiving through it.
import { readdir, readFile, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { logTail } from '../helpers/daemon.js';
import { makeTempDir } from '../helpers/files.js';
import { startPostgres } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, repoRoot, run, type RunResult } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, PG_USER } from '../helpers/users.js';
import { leftovers, listDir } from '../fixtures/archive/server.js';
import { putWalStream } from '../fixtures/archive/tar.js';
import { foreignIdentifier, makeClusterSegments, withSystemIdentifier, writeOwned, type ClusterSegments } from '../fixtures/sysid.js';

const SERVER = 'sysid-srv';
const ID_FILE = 'walship-system-identifier';
const SERVER_DIRS = ['errors', 'incoming', 'streaming', 'wals'];
let sshd: Sshd | undefined;
let cluster: ClusterSegments;
let work = '';
let idA = '';
let idB = '';
const name = (index: number): string => cluster.names[index]!;
const segA = (index: number): Buffer => cluster.bytes.get(name(index))!;
const segB = (index: number): Buffer => withSystemIdentifier(segA(index), foreignIdentifier(cluster.systemIdentifier));
/** WAL_PATH of cluster A's or B's copy of segment `index` (readable by both test users). */
const walPath = (which: 'A' | 'B', index: number): string => `${work}/wal-${which}/${name(index)}`;

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres']);
  cluster = await makeClusterSegments(4);
  idA = cluster.systemIdentifier.toString();
  idB = foreignIdentifier(cluster.systemIdentifier).toString();
  work = await makeTempDir('walship-sysid-putwal-');
  for (const index of cluster.names.keys()) {
    await writeOwned(walPath('A', index), segA(index), PG_USER);
    await writeOwned(walPath('B', index), segB(index), PG_USER);
  }
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
});

interface Archive {
  configPath: string;
  /** backup_directory of SERVER */
  backupDir: string;
  incoming: string;
  idFile: string;
}

/** A fresh Barman home owned by the archive user, with one server (extra lines in its section). */
async function freshArchive(extra: Record<string, string> = {}): Promise<Archive> {
  const dir = await makeTempDir('walship-sysid-home-');
  const { configPath, barmanHome } = await writeBarmanConfig({ dir, servers: [{ name: SERVER, extra }], owner: ARCHIVE_USER });
  const backupDir = `${barmanHome}/${SERVER}`;
  return { configPath, backupDir, incoming: `${backupDir}/incoming`, idFile: `${backupDir}/${ID_FILE}` };
}

/** walship-archive in-process put-wal, as the account that owns the Barman home. */
const archiveLocal = (archive: Archive, path: string, flags: string[] = []): Promise<RunResult> =>
  run([binPath('walship-archive'), '--transport', 'local', '-c', archive.configPath, ...flags, 'backup-host', SERVER, path], { user: ARCHIVE_USER });

/** walship-server put-wal with a hand-made stream on stdin, as the ssh user would run it. */
const putWal = (archive: Archive, files: Array<[string, Buffer]>): Promise<RunResult> =>
  run([binPath('walship-server'), '-c', archive.configPath, 'put-wal', SERVER], { user: ARCHIVE_USER, input: putWalStream(files) });

async function expectAccepted(r: RunResult): Promise<void> {
  expect(r.code, describeRun(r)).toBe(0);
}

const recorded = (archive: Archive): Promise<string> => readFile(archive.idFile, 'utf8');

/** One line starting with `prefix` that contains every one of `parts`. */
function expectLine(r: RunResult, prefix: string, parts: string[]): void {
  const lines = r.stderr.split('\n').filter((line) => line.startsWith(prefix) && parts.every((part) => line.includes(part)));
  expect(lines.length, `a "${prefix}" line containing ${parts.join(', ')}\n${describeRun(r)}`).toBeGreaterThanOrEqual(1);
}

/** The refusal of B's segment `index` after A is recorded: status, ERROR, HINT, and nothing new. */
function expectForeignRefused(r: RunResult, archive: Archive, index: number, published: string[]): void {
  expect(r.code, describeRun(r)).toBe(1);
  expectLine(r, 'ERROR: ', [name(index), idA, idB, SERVER]);
  expectLine(r, 'HINT: ', [archive.idFile]);
  expect(listDir(archive.incoming), 'nothing new in incoming/').toEqual(published);
  expect(leftovers(archive.incoming), 'no temp file in incoming/').toEqual([]);
  expect(listDir(`${archive.backupDir}/errors`)).toEqual([]);
}

describe('put-wal records the archive\'s system identifier and refuses another cluster (SPEC §7, issue 8 D6)', () => {
  it('the first segment is accepted and its identifier recorded in <backup_directory>/walship-system-identifier, one decimal line', async () => {
    const archive = await freshArchive();
    await expectAccepted(await archiveLocal(archive, walPath('A', 0)));
    expect(listDir(archive.incoming)).toEqual([name(0)]);
    expect(await recorded(archive)).toBe(`${idA}\n`);
    expect(await readdir(archive.backupDir).then((e) => e.sort())).toEqual([...SERVER_DIRS, ID_FILE].sort());
  });

  it('a segment of another cluster is refused: exit 1, ERROR naming the WAL file, both identifiers and the server, a HINT naming the file to remove; nothing published', async () => {
    const archive = await freshArchive();
    await expectAccepted(await archiveLocal(archive, walPath('A', 0)));
    expectForeignRefused(await archiveLocal(archive, walPath('B', 1)), archive, 1, [name(0)]);
    expect(await recorded(archive)).toBe(`${idA}\n`);
    expect(await readdir(archive.backupDir).then((e) => e.sort()), 'no temp file beside the record').toEqual([...SERVER_DIRS, ID_FILE].sort());
    // The recorded cluster still archives normally after a refusal.
    await expectAccepted(await archiveLocal(archive, walPath('A', 1)));
    expect(listDir(archive.incoming)).toEqual([name(0), name(1)]);
  });

  it('removing walship-system-identifier resets: the next segment, of another cluster, is accepted and its identifier recorded', async () => {
    const archive = await freshArchive();
    await expectAccepted(await archiveLocal(archive, walPath('A', 0)));
    expect((await archiveLocal(archive, walPath('B', 1))).code).toBe(1);
    await rm(archive.idFile);
    await expectAccepted(await archiveLocal(archive, walPath('B', 1)));
    expect(listDir(archive.incoming)).toEqual([name(0), name(1)]);
    expect(await recorded(archive)).toBe(`${idB}\n`);
  });

  it.each(['off', 'false', '0'])('walship_check_system_identifier = %s in the server section: a segment of another cluster is accepted', async (value) => {
    const archive = await freshArchive({ walship_check_system_identifier: value });
    await expectAccepted(await archiveLocal(archive, walPath('A', 0)));
    await expectAccepted(await archiveLocal(archive, walPath('B', 1)));
    expect(listDir(archive.incoming)).toEqual([name(0), name(1)]);
    expect(leftovers(archive.incoming)).toEqual([]);
  });

  it.each([['-z'], ['-j']])('a %s compressed member of the recorded cluster is accepted, and one of another cluster refused (the decoded header is checked)', async (flag) => {
    const archive = await freshArchive();
    await expectAccepted(await archiveLocal(archive, walPath('A', 0), [flag]));
    expect(await recorded(archive)).toBe(`${idA}\n`);
    expectForeignRefused(await archiveLocal(archive, walPath('B', 1), [flag]), archive, 1, [name(0)]);
  });

  it('over ssh (walship-archive → walship-server), a segment of another cluster is refused: exit 1, the ERROR and HINT reach archive_command\'s stderr', async () => {
    const archive = await freshArchive();
    const overSsh = (path: string) =>
      run([binPath('walship-archive'), '-U', ARCHIVE_USER, '-c', archive.configPath, sshd!.host, SERVER, path], { user: PG_USER });
    await expectAccepted(await overSsh(walPath('A', 0)));
    expectForeignRefused(await overSsh(walPath('B', 1)), archive, 1, [name(0)]);
  });
});

describe('put-wal refuses a member that is not the segment its name claims (exit 1, nothing published, nothing recorded)', () => {
  const truncated = (): Buffer => segA(0).subarray(0, segA(0).length / 2);
  const badSegmentSize = (): Buffer => {
    const bytes = Buffer.from(segA(0).subarray(0, 3 * 1024 * 1024));
    bytes.writeUInt32LE(3 * 1024 * 1024, 32); // header and file agree on 3 MiB: not a power of two
    return bytes;
  };
  const laterTimeline = (): Buffer => {
    const bytes = Buffer.from(segA(0));
    bytes.writeUInt32LE(2, 4); // header timeline 2 under a timeline-1 name
    return bytes;
  };
  const cases: Array<[string, () => [string, Buffer]]> = [
    ['a 0-byte segment', () => [name(0), Buffer.alloc(0)]],
    ['a truncated segment (size not the header\'s segment size)', () => [name(0), truncated()]],
    ['a segment whose header size is not a valid segment size', () => [name(0), badSegmentSize()]],
    ['a segment whose page address does not match its name', () => [name(2), segA(1)]],
    ['a segment whose header timeline is later than its name\'s', () => [name(0), laterTimeline()]],
    ['a gzip member whose decoded data is truncated', () => [name(0), gzipSync(truncated())]],
  ];
  it.each(cases)('%s', async (_what, member) => {
    const archive = await freshArchive();
    const [walName, bytes] = member();
    const r = await putWal(archive, [[walName, bytes]]);
    expect(r.code, describeRun(r)).toBe(1);
    expectLine(r, 'ERROR: ', [walName]);
    expect(listDir(archive.incoming), 'nothing published').toEqual([]);
    expect(await readdir(archive.backupDir).then((e) => e.sort()), 'no identifier recorded from a refused member').toEqual(SERVER_DIRS);
  });

  it('after a refused 0-byte segment, the real upload of that name is stored, not taken for a duplicate', async () => {
    const archive = await freshArchive();
    expect((await putWal(archive, [[name(0), Buffer.alloc(0)]])).code).toBe(1);
    await expectAccepted(await putWal(archive, [[name(0), segA(0)]]));
    expect((await readFile(`${archive.incoming}/${name(0)}`)).equals(segA(0))).toBe(true);
    expect(listDir(`${archive.backupDir}/errors`)).toEqual([]);
  });

  it('a .history file and a .backup label are accepted without header checks, also once an identifier is recorded', async () => {
    const archive = await freshArchive();
    const history = Buffer.from('1\t0/3000000\tno recovery target specified\n');
    const label = Buffer.from(`START WAL LOCATION: 0/2000028 (file ${name(0)})\n`);
    const backupName = `${name(0)}.00000028.backup`;
    await expectAccepted(await putWal(archive, [['00000002.history', history], [backupName, label]]));
    await expectAccepted(await archiveLocal(archive, walPath('A', 0)));
    await expectAccepted(await putWal(archive, [['00000003.history', history]]));
    expect(listDir(archive.incoming)).toEqual(['00000002.history', '00000003.history', name(0), backupName].sort());
    expect(await recorded(archive)).toBe(`${idA}\n`);
  });
});

describe('compatibility: PostgreSQL 15 archiving through walship-archive', () => {
  it('a real cluster archives a few switched segments with failed_count 0, and its identifier is recorded', async () => {
    const archive = await freshArchive();
    const command = [binPath('walship-archive'), '-U', ARCHIVE_USER, '-c', archive.configPath, sshd!.host, SERVER, '%p'].join(' ');
    const pg = await startPostgres({ settings: { archive_mode: 'on', archive_command: command, archive_timeout: '0' } });
    try {
      const id = await pg.psql('select system_identifier from pg_control_system()');
      for (let i = 0; i < 3; i++) {
        await pg.psql(`create table t${i} as select g from generate_series(1, 1000) g`);
        await pg.psql('select pg_switch_wal()');
      }
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [archived, failed] = (await pg.psql('select archived_count, failed_count from pg_stat_archiver')).split('|').map(Number);
        if (failed !== 0) throw new Error(`archive_command failed\n${await logTail(pg.logPath, 40)}`);
        if ((archived ?? 0) >= 3) break;
        if (Date.now() > deadline) throw new Error(`only ${archived} archived\n${await logTail(pg.logPath, 40)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(listDir(archive.incoming).filter((entry) => /^[0-9A-F]{24}$/.test(entry)).length).toBeGreaterThanOrEqual(3);
      expect(await recorded(archive)).toBe(`${id}\n`);
    } finally {
      await pg.remove();
    }
  }, 90_000);
});
