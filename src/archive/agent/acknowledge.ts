// The durable acknowledgement (design §1.1, §2): archive/ack/<name> is a HARD LINK to
// pg_wal/<name>, made only after the archive host answered 0 for bytes read from that very inode.
// The sh fast path answers 0 when `ack/<name> -ef pg_wal/<name>`; everything here exists so that
// test can never be true for bytes the archive host does not hold.

import { createHash } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import { fsyncDir, tempPathFor } from '../../durable/durable-write.js';
import { ACK_DIR, TMP_DIR, WAL_DIR } from '../../agent/layout.js';
import { writeShippedRecord } from '../../agent/shipped-record.js';
import { clearStatus } from '../../agent/status-file.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';

/** One file the archive host acknowledged: its name, the bytes' identity, and the inode read. */
export interface ShippedFile {
  name: string;
  sha256: string;
  size: number;
  dev: number;
  ino: number;
}

export const walFilePath = (slot: Slot, name: string): string => join(slot.dataDir, WAL_DIR, name);
export const ackPath = (slot: Slot, name: string): string => join(slotDirPath(slot, ACK_DIR), name);

const sameInode = (a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean => a.dev === b.dev && a.ino === b.ino;

/**
 * Records and acknowledges one shipped file, in the design's order: shipped/ record (fsynced), then
 * a link staged in tmp/ whose inode is checked against the one that was read, then the rename into
 * ack/. 'changed' (no ack) when pg_wal/<name> is no longer the inode shipped. The caller fsyncs
 * ack/ once per batch (fsyncAcks): an ack lost in a crash is rebuilt from shipped/ on re-arm.
 */
export async function acknowledgeShipped(slot: Slot, file: ShippedFile, targetHash: string): Promise<'acked' | 'changed'> {
  await writeShippedRecord(slot.dir, file.name, { sha256: file.sha256, size: file.size, targetHash });
  return linkAck(slot, file);
}

/** The ack alone (re-arm: the shipped/ record already says the archive host has these bytes). */
export async function linkAck(slot: Slot, file: ShippedFile): Promise<'acked' | 'changed'> {
  const staged = tempPathFor(join(slotDirPath(slot, TMP_DIR), file.name));
  try {
    await link(walFilePath(slot, file.name), staged);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'changed'; // PostgreSQL already removed it (.done)
    throw error;
  }
  try {
    if (!sameInode(await lstat(staged), file)) return 'changed';
    await rename(staged, ackPath(slot, file.name));
  } finally {
    await unlink(staged).catch(() => undefined); // gone after a rename; removed otherwise
  }
  await clearStatus(slot.dir, file.name);
  return 'acked';
}

export const fsyncAcks = (slot: Slot): Promise<void> => fsyncDir(slotDirPath(slot, ACK_DIR));

export type AckCheck = { state: 'valid' } | { state: 'missing' } | { state: 'foreign'; reason: string };

/**
 * Is ack/<name> a hard link of pg_wal/<name> right now? A symlink, a copy (cp, rsync without -H,
 * pg_rewind copying another cluster's .walship) or a link to a recycled inode is 'foreign'.
 */
export async function checkAck(slot: Slot, name: string): Promise<AckCheck> {
  let ack;
  try {
    ack = await lstat(ackPath(slot, name));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { state: 'missing' };
    throw error;
  }
  if (ack.isSymbolicLink()) return { state: 'foreign', reason: 'is a symbolic link' };
  if (!ack.isFile()) return { state: 'foreign', reason: 'is not a regular file' };
  const wal = await lstat(walFilePath(slot, name)).catch(() => undefined);
  if (wal === undefined || !sameInode(ack, wal)) return { state: 'foreign', reason: `is not a hard link of ${WAL_DIR}/${name}` };
  return { state: 'valid' };
}

/** Removes an ack that failed checkAck; missing is fine. */
export async function removeAck(slot: Slot, name: string): Promise<void> {
  await unlink(ackPath(slot, name)).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/** sha256, size and inode of pg_wal/<name>, all read through one fd (re-arm, verified duplicates, sync ships). */
export async function describeWalFile(slot: Slot, name: string): Promise<ShippedFile> {
  const handle = await open(walFilePath(slot, name), 'r');
  try {
    const info = await handle.stat();
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return { name, sha256: hash.digest('hex'), size: info.size, dev: info.dev, ino: info.ino };
  } finally {
    await handle.close();
  }
}
