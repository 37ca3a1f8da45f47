// The per-namespace prefetch lock: one holder at a time, and a holder killed with -9 (dead pid)
// or gone silent (no heartbeat) does not block prefetching.
import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { acquirePrefetchLock, isLockLive, LOCK_NAME, readLockHolder, STALE_MS } from '../../../../src/restore/prefetch/lock.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'walship-lock-'));
});

/** A pid that is certainly not running: beyond the kernel's pid_max. */
const DEAD_PID = 4_194_305;

describe('prefetch lock', () => {
  it('is taken once, refused while held, and free again after release', async () => {
    const first = await acquirePrefetchLock(dir);
    expect(first).toBeDefined();
    expect(await acquirePrefetchLock(dir)).toBeUndefined();
    expect(await isLockLive(await readLockHolder(dir))).toBe(true);
    await first!.release();
    expect(await readLockHolder(dir)).toBeUndefined();
    const again = await acquirePrefetchLock(dir);
    expect(again).toBeDefined();
    await again!.release();
  });

  it('breaks the lock of a dead worker (kill -9 leaves its pid behind)', async () => {
    await writeFile(join(dir, LOCK_NAME), `${DEAD_PID}\n`);
    expect(await isLockLive(await readLockHolder(dir))).toBe(false);
    const lock = await acquirePrefetchLock(dir);
    expect(lock).toBeDefined();
    expect((await readLockHolder(dir))?.pid).toBe(process.pid);
    await lock!.release();
  });

  it('breaks a lock whose heartbeat stopped, even if its pid was reused by a live process', async () => {
    await writeFile(join(dir, LOCK_NAME), `${process.ppid}\n`);
    const old = new Date(Date.now() - STALE_MS - 5_000);
    await utimes(join(dir, LOCK_NAME), old, old);
    const lock = await acquirePrefetchLock(dir);
    expect(lock).toBeDefined();
    await lock!.release();
  });

  it('breaks a lock file with garbage in it', async () => {
    await writeFile(join(dir, LOCK_NAME), 'not a pid');
    const lock = await acquirePrefetchLock(dir);
    expect(lock).toBeDefined();
    await lock!.release();
  });

  it('lets exactly one of many concurrent acquirers win, and leaves no temp files', async () => {
    const locks = await Promise.all(Array.from({ length: 8 }, () => acquirePrefetchLock(dir)));
    expect(locks.filter(Boolean)).toHaveLength(1);
    await locks.find(Boolean)!.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('release does not remove a lock that another worker has taken since', async () => {
    const lock = await acquirePrefetchLock(dir);
    await writeFile(join(dir, LOCK_NAME), `${process.ppid}\n`);
    await lock!.release();
    expect((await readLockHolder(dir))?.pid).toBe(process.ppid);
  });
});
