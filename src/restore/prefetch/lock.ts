// One prefetch worker per spool namespace: the generic pid+heartbeat lock (src/agent/lock.ts) on
// `<spool>/.prefetch.lock`. The lock only saves duplicate work: correctness never depends on it,
// because every spooled segment is written under a temp name, verified and renamed.

import { join } from 'node:path';
import { acquireLock, isHolderLive, readLockHolder as readHolderAt, type HeldLock, type LockHolder } from '../../agent/lock.js';

export const LOCK_NAME = '.prefetch.lock';
export { HEARTBEAT_MS, STALE_MS } from '../../agent/lock.js';
export type { LockHolder };
export type PrefetchLock = HeldLock;

export const readLockHolder = (dir: string): Promise<LockHolder | undefined> => readHolderAt(join(dir, LOCK_NAME));

/** A lock whose pid is gone (or reused), or that nobody touched for STALE_MS, is abandoned. */
export const isLockLive = (holder: LockHolder | undefined): Promise<boolean> => isHolderLive(holder);

/** Takes the lock, or returns undefined when a live worker holds it. */
export const acquirePrefetchLock = (dir: string): Promise<PrefetchLock | undefined> => acquireLock(join(dir, LOCK_NAME));
