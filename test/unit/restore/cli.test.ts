// walship-restore's exit statuses, row by row, run in-process against a local archive
// (--transport local), plus the ssh rows through a real ssh client that cannot connect.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CompressionError,
  DestinationUnusableError,
  ForeignSegmentError,
  InvalidSegmentError,
  InvalidServerNameError,
  ObjectStoreConfigError,
  ObjectStoreError,
  InvalidWalNameError,
  RemoteCommandError,
  SshConnectError,
  UsageError,
} from '../../../src/errors.js';
import { exitStatusFor } from '../../../src/cli/exit-table.js';
import { RESTORE_EXIT, restoreMain } from '../../../src/restore/cli.js';
import { makeLocalArchive, type LocalArchive } from '../../fixtures/restore/archive.js';
import { FIXTURE_SYSTEM_IDENTIFIER, makeSegment, MiB } from '../../fixtures/restore/segments.js';
import { captureIO } from '../get-wal/io.js';

let archive: LocalArchive;
let dest = '';
let destDir = '';
const seg = '000000010000000000000005';
let segment: Buffer;

/** restore_command runs in the data directory (issue 8): one whose pg_control names the fixtures' cluster. */
let previousCwd = '';

beforeAll(async () => {
  previousCwd = process.cwd();
  const dataDir = await mkdtemp(join(tmpdir(), 'walship-restore-cli-data-'));
  await mkdir(join(dataDir, 'global'));
  const control = Buffer.alloc(8192);
  control.writeBigUInt64LE(FIXTURE_SYSTEM_IDENTIFIER, 0);
  await writeFile(join(dataDir, 'global', 'pg_control'), control);
  process.chdir(dataDir);
  archive = await makeLocalArchive();
  segment = await archive.store(seg, { size: MiB });
  await archive.store('000000010000000000000006', { size: MiB, bytes: (await import('../../fixtures/restore/segments.js')).makeSegment('000000010000000000000006', { size: MiB }).subarray(0, MiB / 2) });
  const gz = gzipSync((await import('../../fixtures/restore/segments.js')).makeSegment('000000010000000000000007', { size: MiB }));
  gz.fill(0x55, 100, 1000);
  await archive.store('000000010000000000000007', { bytes: gz });
});

afterAll(() => {
  process.chdir(previousCwd);
});

beforeEach(async () => {
  destDir = await mkdtemp(join(tmpdir(), 'walship-restore-cli-'));
  dest = join(destDir, 'RECOVERYXLOG');
});

async function restore(args: string[]) {
  const captured = captureIO(process.env);
  const status = await restoreMain(args, captured.io);
  return { status, stdout: captured.stdout(), stderr: captured.stderr() };
}

const local = (...flags: string[]) => ['--transport', 'local', '-c', archive.configPath, ...flags];

describe('walship-restore exit statuses', () => {
  it('0: delivers the segment byte for byte, with no temp file beside it', async () => {
    const r = await restore([...local(), 'backup', 'pg', seg, dest]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readFile(dest)).equals(segment)).toBe(true);
    expect(await readdir(destDir)).toEqual(['RECOVERYXLOG']);
  });

  it('1: a segment not in the archive; WAL_DEST is not created; one NOTE, no ERROR line (issue 10)', async () => {
    const r = await restore([...local(), 'backup', 'pg', '000000010000000000000009', dest]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("NOTE: WAL file '000000010000000000000009' is not in the archive of server 'pg'\n");
    expect(await readdir(destDir)).toEqual([]);
  });

  it('1: a .history probe not in the archive prints nothing at all (issue 10: PostgreSQL probes the next timeline all the time)', async () => {
    const r = await restore([...local(), 'backup', 'pg', '0000000A.history', join(destDir, 'RECOVERYHISTORY')]);
    expect(r).toMatchObject({ status: 1, stderr: '' });
    expect(await readdir(destDir)).toEqual([]);
  });

  it('1: with --async a segment not in the archive (a direct fetch) also gives one NOTE and no ERROR line', async () => {
    const r = await restore([...local('--async'), 'backup', 'pg', '000000010000000000000009', dest]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("NOTE: WAL file '000000010000000000000009' is not in the archive of server 'pg'\n");
  });

  it('1: an unknown server (the remote answers 1)', async () => {
    const r = await restore([...local(), 'backup', 'nope', seg, dest]);
    expect(r).toMatchObject({ status: 1, stderr: "ERROR: Unknown server 'nope'\n" });
  });

  it('2: a truncated segment that the archive sent as a success is not delivered', async () => {
    const r = await restore([...local(), 'backup', 'pg', '000000010000000000000006', dest]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a complete segment: file has 524288 bytes/);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('2: a corrupt gzip stream (--keep-compression decodes it here) is not delivered', async () => {
    const r = await restore([...local('--keep-compression'), 'backup', 'pg', '000000010000000000000007', dest]);
    expect(r.status).toBe(2);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('2: ssh cannot connect (exit 255), nothing delivered', async () => {
    const r = await restore(['-U', 'nobody', '--port', '1', '127.0.0.1', 'pg', seg, dest]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ERROR: ssh to 127\.0\.0\.1 failed \(exit 255\)/m);
    expect(await readdir(destDir)).toEqual([]);
  });

  it.each([['../x'], ['x;y'], ['junk'], ['0'.repeat(25)], ['000000010000000000000005/../../etc']])('2: an invalid WAL_NAME %j, nothing delivered', async (name) => {
    const r = await restore([...local(), 'backup', 'pg', name, dest]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not a valid WAL_NAME/);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('2: an invalid server name', async () => {
    expect((await restore([...local(), 'backup', 'x;y', seg, dest])).status).toBe(2);
  });

  it('2: a hostile BARMAN_HOST never reaches ssh', async () => {
    const r = await restore(['-oProxyCommand=x', 'pg', seg, dest]);
    expect(r.status).toBe(2);
  });

  it('2: a usage error', async () => {
    expect((await restore(['--nope', 'backup', 'pg', seg, dest])).status).toBe(2);
  });

  it('3: WAL_DEST is a directory', async () => {
    const r = await restore([...local(), 'backup', 'pg', seg, destDir]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/WAL_DEST cannot be a directory/);
  });

  it('3: WAL_DEST inside a missing directory', async () => {
    const r = await restore([...local(), 'backup', 'pg', seg, join(destDir, 'missing', 'RECOVERYXLOG')]);
    expect(r.status).toBe(3);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('2: a segment of another cluster than global/pg_control names is refused with an ERROR naming both identifiers; WAL_DEST is not created (issue 8)', async () => {
    const name = '000000010000000000000041';
    await archive.store(name, { size: MiB, systemIdentifier: 42n });
    const r = await restore([...local(), 'backup', 'pg', name, dest]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^ERROR: ${name} in the archive belongs to another cluster: its header has system identifier 42, expected ${FIXTURE_SYSTEM_IDENTIFIER}`));
    expect(await readdir(destDir)).toEqual([]);
  });

  it('0: without a readable pg_control the check is skipped with exactly one NOTE line (pg_rewind runs restore_command elsewhere)', async () => {
    const name = '000000010000000000000042';
    const foreign = await archive.store(name, { size: MiB, systemIdentifier: 42n });
    const here = process.cwd();
    process.chdir(await mkdtemp(join(tmpdir(), 'walship-not-a-data-dir-')));
    try {
      const r = await restore([...local(), 'backup', 'pg', name, dest]);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/^NOTE: system identifier not checked: cannot read \/[^\n]*global\/pg_control [^\n]*\n$/);
      expect((await readFile(dest)).equals(foreign)).toBe(true);
    } finally {
      process.chdir(here);
    }
  });

  it('0: a history file is delivered as it is (no segment check)', async () => {
    const history = await archive.store('00000002.history');
    const r = await restore([...local(), 'backup', 'pg', '00000002.history', dest]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readFile(dest)).equals(history)).toBe(true);
  });

  it('-P: the segment pg_receivewal is still writing (streaming/<name>.partial) is delivered; without -P it is not in the archive', async () => {
    const name = '000000010000000000000040';
    const partial = makeSegment(name, { size: MiB });
    await writeFile(join(archive.root, 'home/pg/streaming', `${name}.partial`), partial);
    expect((await restore([...local(), 'backup', 'pg', name, dest])).status).toBe(1);
    const r = await restore([...local('-P'), 'backup', 'pg', name, dest]);
    expect(r.status).toBe(0);
    expect((await readFile(dest)).equals(partial)).toBe(true);
  });

  it('-t: prints the server\'s answer and exits 0', async () => {
    const r = await restore([...local('-t'), 'backup', 'pg', 'dummy', 'dummy']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('Ready to retrieve WAL files from the server pg\n');
  });

  it('-t for an unknown server exits 1', async () => {
    expect((await restore([...local('-t'), 'backup', 'nope', 'dummy', 'dummy'])).status).toBe(1);
  });

  it('--sleep: says so and waits after a failure', async () => {
    const start = Date.now();
    const r = await restore([...local('-s', '1'), 'backup', 'pg', '000000010000000000000009', dest]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Sleeping for 1 seconds\.\n$/);
    expect(Date.now() - start).toBeGreaterThanOrEqual(990);
  });

  it('an unwritable spool: the segment is still delivered and prefetch is skipped with a warning', async () => {
    const blocked = join(destDir, 'blocked');
    await mkdir(blocked);
    await (await import('node:fs/promises')).writeFile(join(blocked, 'spool'), 'a file where the spool should be');
    const r = await restore([...local('-p', '2', '--spool-dir', join(blocked, 'spool')), 'backup', 'pg', seg, dest]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^WARNING: prefetch skipped: cannot use spool directory/);
    expect((await readFile(dest)).equals(segment)).toBe(true);
  });
});

describe('RESTORE_EXIT', () => {
  it.each([
    [new DestinationUnusableError('x'), 3],
    [new SshConnectError('x'), 2],
    [new RemoteCommandError('x', 3), 2],
    [new RemoteCommandError('x', 127), 2],
    [new CompressionError('x'), 2],
    [new InvalidSegmentError('x'), 2],
    [new ForeignSegmentError('x'), 2],
    [new UsageError('x'), 2],
    [new InvalidWalNameError('x'), 2],
    [new InvalidServerNameError('x'), 2],
    [new ObjectStoreError('x', 503, 'SlowDown'), 2],
    [new ObjectStoreError('x', undefined, undefined), 2],
    [new ObjectStoreConfigError('x'), 2],
    [new Error('unexpected'), RESTORE_EXIT.unexpected],
  ])('%s → %i', (error, status) => {
    expect(exitStatusFor(RESTORE_EXIT, error)).toBe(status);
  });

  it('covers every row, and no status is above 125 (PostgreSQL aborts recovery above 125)', () => {
    expect(RESTORE_EXIT.rows).toHaveLength(10);
    for (const [, status] of RESTORE_EXIT.rows) expect(status).toBeLessThanOrEqual(125);
    expect(RESTORE_EXIT.unexpected).toBe(2);
  });
});
