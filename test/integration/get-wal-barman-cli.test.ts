// issue 3 "Must show": Debian's real barman-wal-restore (barman-cli 3.4) against walship-server
// get-wal over a real sshd: the archive user's PATH has the repository's bin/ first, so the
// `barman` that barman-wal-restore runs remotely is walship's. Real PostgreSQL 15 segments.
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun, repoRoot, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { ARCHIVE_USER, PG_USER } from '../helpers/users.js';
import { makeRealSegments, type RealSegments } from '../fixtures/restore/real-segments.js';
import { pgDestDir, storeInWals } from '../fixtures/restore/wals.js';

const BARMAN_WAL_RESTORE = '/usr/bin/barman-wal-restore';
let sshd: Sshd | undefined;
let segments: RealSegments;
let configPath = '';
let work = '';

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres', 'barman-cli']);
  segments = await makeRealSegments(10);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: ARCHIVE_USER, path: `${repoRoot}/bin:/usr/bin:/bin` }] });
  work = await makeTempDir('walship-getwal-cli-');
  const config = await writeBarmanConfig({ dir: work, servers: [{ name: 'pg' }], owner: ARCHIVE_USER });
  configPath = config.configPath;
  // Every third segment is stored gzip-compressed, as Barman does with compression = gzip.
  await storeInWals(config.barmanHome, 'pg', segments, ARCHIVE_USER, (name, i) => (i % 3 === 2 ? gzipSync(segments.bytes.get(name)!) : undefined));
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
});

const destDir = (tag: string): Promise<string> => pgDestDir(work, tag);

/** barman-wal-restore 3.4 sends `--config PATH` unquoted and single-quotes the server and WAL names. */
const barmanWalRestore = (flags: string[], name: string, dest: string) =>
  run([BARMAN_WAL_RESTORE, '-U', ARCHIVE_USER, '-c', configPath, ...flags, sshd!.host, 'pg', name, dest], { user: PG_USER });

describe('barman-wal-restore 3.4 against walship-server get-wal over ssh', () => {
  it.each([
    ['plain', []],
    ['-z', ['-z']],
    ['-j', ['-j']],
  ])('%s: delivers real segments (plain- and gzip-stored) byte for byte', async (_label, flags) => {
    const dir = await destDir('matrix');
    for (const name of segments.names.slice(0, 4)) {
      const r = await barmanWalRestore(flags, name, `${dir}/RECOVERYXLOG`);
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(segments.bytes.get(name)!), name).toBe(true);
    }
  });

  it('-p 4 over 8 consecutive segments: peek and parallel fetches, every one byte-identical', async () => {
    const dir = await destDir('parallel');
    const spool = `${dir}/spool`;
    const eight = segments.names.slice(1, 9);
    for (const [i, name] of eight.entries()) {
      const r = await barmanWalRestore(['-p', '4', '--spool-dir', spool], name, `${dir}/RECOVERYXLOG`);
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(segments.bytes.get(name)!), name).toBe(true);
      // After a fetch, walship's --peek 4 listed the requested one and three more, which barman-wal-restore spooled.
      if (i === 0) expect((await readdir(spool)).sort()).toEqual(eight.slice(1, 4));
    }
    // Every spooled segment was consumed by a later call.
    expect(await readdir(spool)).toEqual([]);
  });

  it('a segment that is not in the archive: exit 1 with walship\'s message', async () => {
    const dir = await destDir('missing');
    const r = await barmanWalRestore([], '0000000100000000000000F0', `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("ERROR: WAL file '0000000100000000000000F0' not found in server 'pg'");
  });

  it('--test: walship-server answers with the dummy WAL name barman-wal-restore sends', async () => {
    const r = await barmanWalRestore(['--test'], 'x', 'y');
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.toString()).toContain('Ready to retrieve WAL files from the server pg');
  });

  it('an unknown server: exit 1 with "Unknown server"', async () => {
    const dir = await destDir('unknown');
    const r = await run([BARMAN_WAL_RESTORE, '-U', ARCHIVE_USER, '-c', configPath, sshd!.host, 'nope', segments.names[0]!, `${dir}/RECOVERYXLOG`], { user: PG_USER });
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("ERROR: Unknown server 'nope'");
  });
});
