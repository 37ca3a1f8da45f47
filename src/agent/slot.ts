// Opening `pg_wal/.walship/<role>` safely, and arming it for one postmaster and one target.
// Every directory on the way is lstat'ed: it must be a real directory, ours and closed to others
// (0700). Anything else is refused with AgentSlotUnusableError and never used (design §1.1
// "planted files"). The checks are not racy in practice: only postgres or root can write in pg_wal.

import { lstat, mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AgentSlotUnusableError, errnoCode } from '../errors.js';
import { fsyncDir, writeFileDurably } from '../durable/durable-write.js';
import { sweepAbandonedTemps } from '../durable/temp-sweep.js';
import { formatPmFile, type Fence } from './fence.js';
import {
  LAYOUT_VERSION, PM_FILE, REARM_WIPE_DIRS, SLOT_DIRS, slotPath, stateDirPath, TARGET_FILE, TMP_DIR, VERSION_FILE,
  WAL_DIR, type SlotDir, type SlotRole,
} from './layout.js';
import { readStateFile, type StoredRead } from './stored-read.js';

export interface Slot {
  readonly dataDir: string;
  readonly role: SlotRole;
  /** Absolute or cwd-relative path of `<dataDir>/pg_wal/.walship/<role>`. */
  readonly dir: string;
}

export const slotDirPath = (slot: Slot, dir: SlotDir): string => join(slot.dir, dir);

const refuse = (path: string, why: string): never => {
  throw new AgentSlotUnusableError(`async state directory ${path} ${why}; not used`, {
    hint: `remove ${path} (it is recreated) or give it back to this user with mode 0700`,
  });
};

/** 'missing', or the directory checks pass; throws AgentSlotUnusableError otherwise. */
async function checkPrivateDir(path: string): Promise<'missing' | 'ok'> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
  if (info.isSymbolicLink()) return refuse(path, 'is a symbolic link');
  if (!info.isDirectory()) return refuse(path, 'is not a directory');
  if (process.getuid !== undefined && info.uid !== process.getuid()) return refuse(path, `is owned by uid ${info.uid}`);
  if ((info.mode & 0o077) !== 0) return refuse(path, `has mode ${(info.mode & 0o777).toString(8)}, not 0700`);
  return 'ok';
}

/** mkdir 0700 (a concurrent creator is fine), fsync the parent so the entry survives a crash, check. */
async function ensurePrivateDir(path: string): Promise<void> {
  if ((await checkPrivateDir(path)) === 'ok') return;
  try {
    await mkdir(path, { mode: 0o700 });
    await fsyncDir(dirname(path));
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
  }
  if ((await checkPrivateDir(path)) === 'missing') refuse(path, 'vanished while being created');
}

async function ensureLayoutVersion(stateDir: string): Promise<void> {
  const path = join(stateDir, VERSION_FILE);
  const read = await readStateFile(path, (text) => (text === `${LAYOUT_VERSION}\n` ? text : undefined));
  if (read.state === 'present') return;
  if (read.state === 'malformed') refuse(stateDir, `has layout version ${JSON.stringify(read.text.trim())}, not ${LAYOUT_VERSION}`);
  await writeFileDurably(path, Buffer.from(`${LAYOUT_VERSION}\n`), { mode: 0o600 });
}

/**
 * Opens the slot for `role` under `dataDir`. With create, makes whatever is missing (Node only; sh
 * never creates). Without, returns undefined when any part is missing. pg_wal itself may be a
 * symlink (initdb -X), so it alone is followed.
 */
export async function openSlot(dataDir: string, role: SlotRole, options: { create: boolean }): Promise<Slot | undefined> {
  const walDir = join(dataDir, WAL_DIR);
  if (!(await stat(walDir)).isDirectory()) refuse(walDir, 'is not a directory');
  const stateDir = stateDirPath(dataDir);
  const slot: Slot = { dataDir, role, dir: slotPath(dataDir, role) };
  const dirs = [stateDir, slot.dir, ...SLOT_DIRS[role].map((dir) => slotDirPath(slot, dir))];
  for (const [index, dir] of dirs.entries()) {
    if (options.create) await ensurePrivateDir(dir);
    else if ((await checkPrivateDir(dir)) === 'missing') return undefined;
    if (index === 0 && options.create) await ensureLayoutVersion(stateDir);
  }
  return slot;
}

/** The slot's `target` line (the TARGET KEY it was armed for). */
export const readSlotTarget = (slot: Slot): Promise<StoredRead<string>> =>
  readStateFile(join(slot.dir, TARGET_FILE), (text) => (/^[^\n]*\n$/.test(text) ? text.slice(0, -1) : undefined));

/** Written whole (temp + rename): sh reads it with one `read -r` and must never see half a key. */
export async function writeSlotTarget(slot: Slot, key: string | undefined): Promise<void> {
  // No key (an argument sh cannot join): an empty line, which no sh-computed key equals.
  if (key?.includes('\n')) throw new RangeError('a target key is one line');
  await writeFileDurably(join(slot.dir, TARGET_FILE), Buffer.from(`${key ?? ''}\n`), { mode: 0o600 });
}

export async function writeSlotFence(slot: Slot, fence: Fence): Promise<void> {
  await writeFileDurably(join(slot.dir, PM_FILE), Buffer.from(formatPmFile(fence)), { mode: 0o600 });
}

/** Removes every entry of one slot directory (rm never follows a planted symlink), then fsyncs it. */
export async function emptySlotDir(slot: Slot, dir: SlotDir): Promise<string[]> {
  const path = slotDirPath(slot, dir);
  const names = await readdir(path);
  for (const name of names) await rm(join(path, name), { recursive: true, force: true });
  if (names.length > 0) await fsyncDir(path);
  return names;
}

/**
 * Re-arm (design §1.3, §2): a new agent or a new fence voids everything of the last incarnation.
 * `pm` goes first, so sh misses from that moment; then the wipe; `pm` is written last, so sh never
 * sees the new fence beside an old ack or spool entry. tmp/ loses only the temps of dead writers.
 */
export async function rearmSlot(slot: Slot, fence: Fence, key: string | undefined): Promise<void> {
  await unlink(join(slot.dir, PM_FILE)).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
  await fsyncDir(slot.dir);
  for (const dir of REARM_WIPE_DIRS[slot.role]) await emptySlotDir(slot, dir);
  await sweepAbandonedTemps(slotDirPath(slot, TMP_DIR));
  await writeSlotTarget(slot, key);
  await writeSlotFence(slot, fence);
}
