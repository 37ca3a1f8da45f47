// One prefetch worker per spool namespace. The lock file holds the worker's pid and is touched as a
// heartbeat, so a worker killed with -9 (or a reused pid) never blocks prefetching for long.
// The lock only saves duplicate work: correctness never depends on it, because every spooled
// segment is written under a temp name, verified and renamed.

import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import { tempPathFor } from '../../durable/durable-write.js';
import { isProcessAlive } from '../../durable/process-alive.js';

export const LOCK_NAME = '.prefetch.lock';
/** How often the holder touches the lock, and how old a lock may get before it counts as abandoned. */
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 30_000;

export interface PrefetchLock {
  /** Stops the heartbeat and removes the lock if it is still ours. */
  release(): Promise<void>;
}

export interface LockHolder {
  pid: number | undefined;
  ageMs: number;
}

export async function readLockHolder(dir: string): Promise<LockHolder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(join(dir, LOCK_NAME), 'utf8'), stat(join(dir, LOCK_NAME))]);
    const pid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
    return { pid, ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** A lock whose pid is gone, or that nobody touched for STALE_MS, is abandoned. */
export const isLockLive = (holder: LockHolder | undefined): boolean =>
  holder !== undefined && isProcessAlive(holder.pid) && holder.ageMs < STALE_MS;

/** Takes the lock, or returns undefined when a live worker holds it. */
export async function acquirePrefetchLock(dir: string): Promise<PrefetchLock | undefined> {
  const lockPath = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    // link(2) publishes a complete lock file atomically and fails if one exists.
    const temp = tempPathFor(join(dir, 'prefetch-lock'));
    await writeFile(temp, `${process.pid}\n`, { mode: 0o600 });
    try {
      await link(temp, lockPath);
      return startHeartbeat(lockPath);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    const holder = await readLockHolder(dir);
    if (isLockLive(holder)) return undefined;
    if (!(await breakStaleLock(dir, holder))) return undefined;
  }
  return undefined;
}

/**
 * Moves an abandoned lock aside. If what we moved is not the lock we judged (another worker broke
 * it and took a fresh one in between), it is put back and we give up.
 */
async function breakStaleLock(dir: string, judged: LockHolder | undefined): Promise<boolean> {
  const aside = tempPathFor(join(dir, 'prefetch-lock-stale'));
  try {
    await rename(join(dir, LOCK_NAME), aside);
  } catch (error) {
    return errnoCode(error) === 'ENOENT';
  }
  const moved = (await readFile(aside, 'utf8').catch(() => '')).trim();
  if (judged?.pid !== undefined && moved !== String(judged.pid)) {
    await link(aside, join(dir, LOCK_NAME)).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function startHeartbeat(lockPath: string): PrefetchLock {
  const timer = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      const text = await readFile(lockPath, 'utf8').catch(() => '');
      if (text.trim() === String(process.pid)) await unlink(lockPath).catch(() => undefined);
    },
  };
}
