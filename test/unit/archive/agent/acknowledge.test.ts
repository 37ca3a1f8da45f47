// An ack is a hard link of the very inode that was shipped, recorded first; copies and symlinks are foreign.
import { copyFile, lstat, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ackPath, acknowledgeShipped, checkAck, describeWalFile } from '../../../../src/archive/agent/acknowledge.js';
import { readShippedRecord } from '../../../../src/agent/shipped-record.js';
import { writeStatus } from '../../../../src/agent/status-file.js';
import { addReady, makeDataDir, segmentBytes } from './fixture.js';

const NAME = '000000010000000000000001';
const HASH = 'ab'.repeat(32);

describe('acknowledgeShipped', () => {
  it('writes the shipped/ record, links ack/<name> to the same inode and clears the file\'s error', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, NAME);
    await writeStatus(slot.dir, NAME, { code: 3, message: 'earlier failure' });
    const file = await describeWalFile(slot, NAME);
    expect(await acknowledgeShipped(slot, file, HASH)).toBe('acked');
    const [ack, wal] = await Promise.all([lstat(ackPath(slot, NAME)), stat(join(dataDir, 'pg_wal', NAME))]);
    expect([ack.ino, ack.dev]).toEqual([wal.ino, wal.dev]);
    expect(await readShippedRecord(slot.dir, NAME)).toEqual({ state: 'present', value: { sha256: file.sha256, size: file.size, targetHash: HASH } });
    expect(await checkAck(slot, NAME)).toEqual({ state: 'valid' });
    await expect(readFile(join(slot.dir, 'status', `${NAME}.error`))).rejects.toThrow();
  });

  it('makes no ack when pg_wal/<name> is no longer the inode that was read', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, NAME);
    const shipped = await describeWalFile(slot, NAME);
    await writeFile(join(dataDir, 'pg_wal', 'replacement'), segmentBytes(NAME, 0x11));
    await rename(join(dataDir, 'pg_wal', 'replacement'), join(dataDir, 'pg_wal', NAME));
    expect(await acknowledgeShipped(slot, shipped, HASH)).toBe('changed');
    expect(await checkAck(slot, NAME)).toEqual({ state: 'missing' });
    expect(await import('node:fs/promises').then((fs) => fs.readdir(join(slot.dir, 'tmp')))).toEqual([]);
  });
});

describe('checkAck', () => {
  it('calls a copy of the file foreign (same bytes, another inode)', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, NAME);
    await copyFile(join(dataDir, 'pg_wal', NAME), ackPath(slot, NAME));
    expect(await checkAck(slot, NAME)).toEqual({ state: 'foreign', reason: `is not a hard link of pg_wal/${NAME}` });
  });

  it('calls a symlink to the file foreign', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, NAME);
    await symlink(join(dataDir, 'pg_wal', NAME), ackPath(slot, NAME));
    expect(await checkAck(slot, NAME)).toEqual({ state: 'foreign', reason: 'is a symbolic link' });
  });
});
