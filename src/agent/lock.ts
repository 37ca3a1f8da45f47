// One holder per lock file: one agent per slot (`agent.pid`), one prefetch worker per spool.
// The file is "<pid> <proc-starttime>\n", published with link(2) so it is never seen half
// written; the holder touches its mtime as a heartbeat. A holder killed with -9, a pid reused by
// another process (its starttime differs) or a holder silent for staleMs is broken by rename.

import { link, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { errnoCode } from '../errors.js';
import { tempPathFor } from '../durable/durable-write.js';
import { isProcessAlive } from '../durable/process-alive.js';
import { procStartTime } from './proc-start.js';

/** Touch every 2 s; 30 s without a touch is abandoned (design §1). */
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 30_000;

export interface LockOptions {
  heartbeatMs?: number;
  staleMs?: number;
  /** Called once if a heartbeat finds the file is no longer ours (another process broke it). */
  onLost?: () => void;
}

export interface HeldLock {
  /** Stops the heartbeat and removes the file if it is still ours. */
  release(): Promise<void>;
}

export interface LockHolder {
  pid: number | undefined;
  /** /proc starttime written by the holder; undefined in a pid-only file (older prefetch locks). */
  startTime: string | undefined;
  ageMs: number;
  /** The exact content, which breaking compares before it trusts what it moved aside. */
  text: string;
}

export const parseLockText = (text: string): Pick<LockHolder, 'pid' | 'startTime'> => {
  const match = /^([1-9]\d{0,9})(?: (\d+))?\n?$/.exec(text);
  return match === null ? { pid: undefined, startTime: undefined } : { pid: Number(match[1]), startTime: match[2] };
};

export async function readLockHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { ...parseLockText(text), ageMs: Date.now() - info.mtimeMs, text };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Live: the pid runs, it is the same process (starttime), and it touched the file recently. */
export async function isHolderLive(holder: LockHolder | undefined, staleMs = STALE_MS): Promise<boolean> {
  if (holder === undefined || !isProcessAlive(holder.pid) || holder.ageMs >= staleMs) return false;
  if (holder.startTime === undefined || holder.pid === undefined) return true;
  const now = await procStartTime(holder.pid);
  return now === undefined || now === holder.startTime; // no /proc: trust kill -0 and the heartbeat
}

const ownLockText = async (): Promise<string> => {
  const start = await procStartTime(process.pid);
  return start === undefined ? `${process.pid}\n` : `${process.pid} ${start}\n`;
};

/** Takes the lock at `path`, or returns undefined when a live holder has it. */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock | undefined> {
  const text = await ownLockText();
  for (let attempt = 0; attempt < 2; attempt++) {
    const temp = tempPathFor(path);
    await writeFile(temp, text, { mode: 0o600 });
    try {
      await link(temp, path); // atomic, and fails if a lock exists
      return startHeartbeat(path, text, options);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    const holder = await readLockHolder(path);
    if (await isHolderLive(holder, options.staleMs)) return undefined;
    if (!(await breakStaleLock(path, holder))) return undefined;
  }
  return undefined;
}

/**
 * Moves an abandoned lock aside. If what we moved is not the lock we judged (another process broke
 * it and took a fresh one in between), it is put back and we give up.
 */
async function breakStaleLock(path: string, judged: LockHolder | undefined): Promise<boolean> {
  const aside = tempPathFor(`${path}-stale`);
  try {
    await rename(path, aside);
  } catch (error) {
    return errnoCode(error) === 'ENOENT';
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  const same = judged === undefined || moved === judged.text;
  if (!same) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return same;
}

function startHeartbeat(path: string, text: string, options: LockOptions): HeldLock {
  let lost = false;
  const timer = setInterval(() => {
    void (async () => {
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      const current = await readFile(path, 'utf8').catch(() => '');
      if (current !== text && !lost) {
        lost = true;
        options.onLost?.();
      }
    })();
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      const current = await readFile(path, 'utf8').catch(() => '');
      if (current === text) await unlink(path).catch(() => undefined);
    },
  };
}
