// pg_rewind-shaped calls (%p = <datadir>/pg_wal/<name>) are recognised, fetched synchronously and
// checked against the target's pg_control; PostgreSQL's own RECOVERY* calls are not.
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidSegmentError } from '../../../src/errors.js';
import { parseRestoreArgs } from '../../../src/restore/args.js';
import { restoreForRewind, rewindDataDir } from '../../../src/restore/rewind-mode.js';
import { serverMain } from '../../../src/server/cli.js';
import { localTransport } from '../../../src/transport/local.js';
import { requireWalName } from '../../../src/wal/name.js';
import { makeLocalArchive } from '../../fixtures/restore/archive.js';
import { MiB } from '../../fixtures/restore/segments.js';
import { makeDataDir, SYSID } from './agent/data-dir.js';

const N = '000000010000000000000007';

describe('rewindDataDir', () => {
  it('takes %p named %f outside pg_wal/RECOVERY* as pg_rewind, and gives its data directory', () => {
    expect(rewindDataDir(`/srv/pg/data/pg_wal/${N}`, N)).toBe('/srv/pg/data');
    expect(rewindDataDir(`pg_wal/${N}`, N)).toBe(join(process.cwd()));
  });
  it('leaves PostgreSQL recovery calls and other names alone', () => {
    expect(rewindDataDir('pg_wal/RECOVERYXLOG', N)).toBeUndefined();
    expect(rewindDataDir('pg_wal/RECOVERYHISTORY', '00000002.history')).toBeUndefined();
    expect(rewindDataDir('/tmp/x/RECOVERYXLOG', N)).toBeUndefined();
    expect(rewindDataDir(`/srv/pg/data/pg_wal/${N}.tmp`, N)).toBeUndefined();
  });
});

describe('restoreForRewind', () => {
  const setup = async (archiveSysid: bigint) => {
    const archive = await makeLocalArchive();
    const bytes = await archive.store(N, { size: MiB, systemIdentifier: archiveSysid });
    const { dataDir } = await makeDataDir();
    const dest = join(dataDir, 'pg_wal', N);
    const options = parseRestoreArgs(['--async', '--transport', 'local', '-c', archive.configPath, 'local', 'pg', N, dest], { stdout: new PassThrough() })!;
    const run = () => restoreForRewind(options, requireWalName(N), dataDir, localTransport(new PassThrough(), {}, async () => serverMain));
    return { bytes, dataDir, dest, run };
  };

  it('delivers a segment of the same cluster to %p and creates no async state', async () => {
    const { bytes, dest, run, dataDir } = await setup(SYSID);
    expect(await run()).toBe('delivered');
    expect((await readFile(dest)).equals(bytes)).toBe(true);
    expect(await readdir(join(dataDir, 'pg_wal', '.walship', 'restore', 'ready'))).toEqual([]); // makeDataDir's empty slot, untouched
  });

  it('refuses a segment whose system identifier is not the target cluster’s: nothing at %p', async () => {
    const { dest, run } = await setup(123n);
    await expect(run()).rejects.toBeInstanceOf(InvalidSegmentError);
    expect(await access(dest).then(() => true, () => false)).toBe(false);
    expect(await readdir(join(dest, '..'))).toEqual(['.walship']);
  });
});
