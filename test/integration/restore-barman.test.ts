// issue 3 "Must show": walship-restore (as PostgreSQL's user) against Debian's real `barman get-wal`
// 3.4 over a real sshd, with real PostgreSQL 15 segments: plain, -z, -j, -p 4, a missing segment.
import { readdir, readFile } from 'node:fs/promises';
import { prefetchLog } from '../fixtures/restore/spool-log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBarmanConfig } from '../helpers/barman.js';
import { makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { BARMAN_USER, PG_USER } from '../helpers/users.js';
import { makeRealSegments, type RealSegments } from '../fixtures/restore/real-segments.js';
import { pgDestDir, storeInWals } from '../fixtures/restore/wals.js';
import { makeDataDir, pgControlNaming } from '../fixtures/sysid.js';

let sshd: Sshd | undefined;
let segments: RealSegments;
let configPath = '';
let work = '';
/** restore_command's cwd: a data directory whose pg_control names the segments' cluster (without one, -p uses no spool, issue 10). */
let dataDir = '';

beforeAll(async () => {
  requireIntegration(['root', 'sshd', 'postgres', 'barman']);
  segments = await makeRealSegments(10);
  sshd = await startSshd({ clients: [PG_USER], servers: [{ user: BARMAN_USER }] });
  work = await makeTempDir('walship-restore-barman-');
  const config = await writeBarmanConfig({ dir: work, servers: [{ name: 'pg' }], owner: BARMAN_USER });
  configPath = config.configPath;
  // Archive the segments where barman's get-wal looks: wals/<hash>/<name>, owned by barman.
  await storeInWals(config.barmanHome, 'pg', segments, BARMAN_USER);
  dataDir = await makeDataDir(work, 'cwd', pgControlNaming(segments.bytes.get(segments.names[0]!)!.readBigUInt64LE(24)));
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
});

const destDir = (tag: string): Promise<string> => pgDestDir(work, tag);

const restore = (flags: string[], name: string, dest: string) =>
  run([binPath('walship-restore'), '-U', BARMAN_USER, '-c', configPath, ...flags, sshd!.host, 'pg', name, dest], { user: PG_USER, cwd: dataDir });

describe('walship-restore against Debian barman get-wal 3.4 over ssh', () => {
  it.each([
    ['plain', []],
    ['-z', ['-z']],
    ['-j', ['-j']],
  ])('%s: delivers real segments byte for byte', async (_label, flags) => {
    const dir = await destDir('matrix');
    for (const name of segments.names.slice(0, 3)) {
      const r = await restore(flags, name, `${dir}/RECOVERYXLOG`);
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(segments.bytes.get(name)!)).toBe(true);
    }
    expect(await readdir(dir)).toEqual(['RECOVERYXLOG']);
  });

  it('-p 4 over 8 consecutive segments: every one byte-identical, some prefetched by the worker through barman --peek', async () => {
    const dir = await destDir('parallel');
    const spool = `${dir}/spool`;
    const eight = segments.names.slice(1, 9);
    for (const name of eight) {
      const r = await restore(['-p', '4', '--spool-dir', spool], name, `${dir}/RECOVERYXLOG`);
      expect(r.code, describeRun(r)).toBe(0);
      expect((await readFile(`${dir}/RECOVERYXLOG`)).equals(segments.bytes.get(name)!), name).toBe(true);
      // Give the detached worker a moment, as PostgreSQL's replay between two calls would.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // The worker's log shows the segments it spooled ahead of PostgreSQL's requests.
    const log = await prefetchLog(spool);
    const prefetched = eight.filter((name) => log.includes(`fetched ${name}`));
    expect(prefetched.length, log).toBeGreaterThanOrEqual(1);
  });

  it('a segment that is not in the archive: exit 1, WAL_DEST not created, one NOTE and no ERROR line (issue 10)', async () => {
    const dir = await destDir('missing');
    const r = await restore([], '0000000100000000000000F0', `${dir}/RECOVERYXLOG`);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("NOTE: WAL file '0000000100000000000000F0' is not in the archive of server 'pg'");
    expect(r.stderr).not.toContain('ERROR:');
    expect(await readdir(dir)).toEqual([]);
  });

  it('-t: barman answers that it is ready', async () => {
    const r = await restore(['-t'], 'dummy', 'dummy');
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout.toString()).toContain('Ready to retrieve WAL files from the server pg');
  });

  it('an unknown server: exit 1', async () => {
    const dir = await destDir('unknown');
    const r = await run([binPath('walship-restore'), '-U', BARMAN_USER, '-c', configPath, sshd!.host, 'nope', segments.names[0]!, `${dir}/RECOVERYXLOG`], { user: PG_USER });
    expect(r.code, describeRun(r)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });
});
