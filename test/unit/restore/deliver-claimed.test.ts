// Delivery of a claimed spool file (issue 8, D1 and defect 5): WAL_DEST always gets the bytes of
// the inode that was checked, even when the claimed name vanished or was replaced after the open.
import { mkdtemp, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { deliverClaimed } from '../../../src/restore/deliver-claimed.js';
import { claimSpooled } from '../../../src/restore/prefetch/claim.js';
import { openSpool, type Spool } from '../../../src/restore/prefetch/spool.js';
import { requireWalName } from '../../../src/wal/name.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';

const wal = requireWalName('000000010000000000000031');
const segment = makeSegment(wal.name, { size: MiB });
let spool: Spool;
let walDest = '';

beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'walship-deliver-'));
  spool = await openSpool(join(root, 'spool'), 'ns');
  walDest = join(root, 'RECOVERYXLOG');
  await writeFile(join(spool.dir, wal.name), segment, { mode: 0o600 });
});

async function claim(): Promise<NonNullable<Awaited<ReturnType<typeof claimSpooled>>>> {
  const claimed = await claimSpooled(spool, wal, () => undefined);
  if (!claimed) throw new Error('nothing claimed');
  return claimed;
}

describe('deliverClaimed', () => {
  it('renames the checked file onto WAL_DEST on one filesystem', async () => {
    const { file } = await claim();
    await deliverClaimed(file, walDest);
    expect((await readFile(walDest)).equals(segment)).toBe(true);
    expect(await readdir(spool.dir)).toEqual([]);
  });

  it('still delivers the checked bytes when the claimed name vanished after the open (a spool race, never exit 3)', async () => {
    const { file } = await claim();
    await unlink(file.path);
    await deliverClaimed(file, walDest);
    expect((await readFile(walDest)).equals(segment)).toBe(true);
  });

  it('never delivers a file swapped in under the claimed name after the check: the checked bytes are copied from the handle', async () => {
    const { file } = await claim();
    const planted = join(spool.dir, 'planted');
    await writeFile(planted, Buffer.alloc(MiB, 0x66));
    await rename(file.path, join(spool.dir, 'moved-away'));
    await rename(planted, file.path);
    await deliverClaimed(file, walDest);
    expect((await readFile(walDest)).equals(segment)).toBe(true);
    expect((await readdir(join(walDest, '..'))).filter((entry) => entry.includes('walship-tmp'))).toEqual([]);
  });
});
