// The restore verb: spool first, archive otherwise, and delivery by rename or by copy + rename
// when the spool lives on another filesystem.
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteCommandError } from '../../../src/errors.js';
import type { RestoreOptions } from '../../../src/restore/args.js';
import { restoreWal } from '../../../src/restore/restore.js';
import { openSpool, type Spool } from '../../../src/restore/prefetch/spool.js';
import { requireWalName } from '../../../src/wal/name.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';
import { scriptedTransport } from '../../helpers/scripted-transport.js';

const wal = requireWalName('000000010000000000000021');
const segment = makeSegment(wal.name, { size: MiB });
let destDir = '';
let spoolRoot = '';
let spool: Spool;
let options: RestoreOptions;

/** /dev/shm is tmpfs here: a spool on another filesystem than WAL_DEST. */
const OTHER_FS = '/dev/shm';

beforeEach(async () => {
  destDir = await mkdtemp(join(tmpdir(), 'walship-verb-'));
  spoolRoot = await mkdtemp(join(OTHER_FS, 'walship-verb-spool-'));
  spool = await openSpool(spoolRoot, 'ns');
  options = {
    user: 'barman', port: undefined, sleepSeconds: 0, jobs: 2, spoolDir: spoolRoot, partial: false, format: 'plain',
    config: undefined, test: false, transport: 'ssh', reuseConnection: undefined, barmanHost: 'h', serverName: 'pg', walName: wal.name, walDest: join(destDir, 'RECOVERYXLOG'),
  };
});

afterEach(async () => {
  await rm(spoolRoot, { recursive: true, force: true });
});

describe('restoreWal', () => {
  it('serves a spooled segment without contacting the server, across filesystems (copy + rename)', async () => {
    await writeFile(join(spool.dir, wal.name), segment);
    const transport = scriptedTransport(() => ({ status: 99 }));
    const result = await restoreWal(options, wal, { transport, spool, warn: () => undefined });
    expect(result).toMatchObject({ kind: 'delivered', from: 'spool' });
    expect(transport.calls).toEqual([]);
    expect((await readFile(options.walDest)).equals(segment)).toBe(true);
    expect(await readdir(destDir)).toEqual(['RECOVERYXLOG']);
    expect(await readdir(spool.dir)).toEqual([]);
  });

  it('serves a spooled segment by rename on the same filesystem', async () => {
    const sameFs = await openSpool(join(destDir, 'spool'), 'ns');
    await writeFile(join(sameFs.dir, wal.name), segment);
    const result = await restoreWal(options, wal, { transport: scriptedTransport(() => ({ status: 99 })), spool: sameFs, warn: () => undefined });
    expect(result).toMatchObject({ kind: 'delivered', from: 'spool' });
    expect((await readFile(options.walDest)).equals(segment)).toBe(true);
  });

  it('waits for the worker that is fetching the requested segment instead of fetching it twice', async () => {
    const temp = join(spool.dir, `.${wal.name}.${process.pid}.inflight.walship-tmp`);
    await writeFile(temp, segment.subarray(0, 4096));
    // The "worker" finishes a moment later: more bytes, then the rename that publishes it.
    setTimeout(() => void writeFile(temp, segment.subarray(0, MiB / 2)), 40);
    setTimeout(() => void writeFile(temp, segment).then(() => rename(temp, join(spool.dir, wal.name))), 120);
    const transport = scriptedTransport(() => ({ status: 99 }));
    const result = await restoreWal(options, wal, { transport, spool, warn: () => undefined });
    expect(result).toMatchObject({ kind: 'delivered', from: 'spool' });
    expect(transport.calls).toEqual([]);
    expect((await readFile(options.walDest)).equals(segment)).toBe(true);
  });

  it('fetches from the archive when the spooled copy is broken, and says so', async () => {
    await writeFile(join(spool.dir, wal.name), segment.subarray(0, 4096));
    const warnings: string[] = [];
    const transport = scriptedTransport(() => ({ stdout: segment }));
    const result = await restoreWal(options, wal, { transport, spool, warn: (line) => warnings.push(line) });
    expect(result).toMatchObject({ kind: 'delivered', from: 'archive' });
    expect(warnings).toHaveLength(1);
    expect(transport.calls).toEqual([['get-wal', 'pg', wal.name]]);
    expect((await readFile(options.walDest)).equals(segment)).toBe(true);
  });

  it("reports not-found for Barman's not-found answer (status 1 and its ERROR line) and leaves WAL_DEST alone", async () => {
    await writeFile(options.walDest, 'left by an earlier attempt');
    const notFound = { status: 1, stderr: `ERROR: WAL file '${wal.name}' not found in server 'pg' (SSH host: 10.0.0.5)\n` };
    const result = await restoreWal(options, wal, { transport: scriptedTransport(() => notFound), spool: undefined, warn: () => undefined });
    expect(result).toEqual({ kind: 'not-found' });
    expect(await readFile(options.walDest, 'utf8')).toBe('left by an earlier attempt');
    expect(await readdir(destDir)).toEqual(['RECOVERYXLOG']);
  });

  it('throws RemoteCommandError for any other remote status', async () => {
    await expect(restoreWal(options, wal, { transport: scriptedTransport(() => ({ status: 3 })), spool: undefined, warn: () => undefined })).rejects.toBeInstanceOf(RemoteCommandError);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('throws RemoteCommandError for status 1 without the not-found line (issue 8: a corrupt file is not an absence)', async () => {
    const corrupt = { status: 1, stderr: 'ERROR: Error decompressing WAL: incorrect data check\n' };
    await expect(restoreWal(options, wal, { transport: scriptedTransport(() => corrupt), spool: undefined, warn: () => undefined })).rejects.toBeInstanceOf(RemoteCommandError);
    expect(await readdir(destDir)).toEqual([]);
  });

  it('replaces an existing WAL_DEST atomically', async () => {
    await writeFile(options.walDest, 'stale');
    await restoreWal(options, wal, { transport: scriptedTransport(() => ({ stdout: segment })), spool: undefined, warn: () => undefined });
    expect((await readFile(options.walDest)).equals(segment)).toBe(true);
  });
});
