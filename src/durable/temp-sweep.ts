// Which durable-write temp files nobody will ever publish, and removing them. The writer's pid is in
// every temp name (tempPathFor), so "abandoned" means: that process is gone. safe-dir's sweep keeps
// its documented age rule instead (docs/safe-dir.md: temp files older than five minutes).

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { tempOwnerPid } from './durable-write.js';
import { statIfExists } from './file-exists.js';
import { isProcessAlive } from './process-alive.js';

/** A temp name of ours whose writer is neither this process nor alive; anything else is never touched. */
export function isAbandonedTemp(name: string, alive: (pid: number) => boolean = isProcessAlive): boolean {
  const pid = tempOwnerPid(name);
  return pid !== undefined && pid !== process.pid && !alive(pid);
}

/** Is the file at `path` older than `maxAgeMs` at `now`? False when it is already gone. */
export async function isOlderThan(path: string, maxAgeMs: number, now: number): Promise<boolean> {
  const stats = await statIfExists(path, { follow: true, lenient: true });
  return stats !== undefined && now - stats.mtimeMs > maxAgeMs;
}

/** Removes abandoned temp files in `dir` (a killed put-wal's, say); returns the names removed. */
export async function sweepAbandonedTemps(dir: string, alive: (pid: number) => boolean = isProcessAlive): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!isAbandonedTemp(name, alive)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch (error) {
      // A concurrent sweeper got there first.
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }
  return removed;
}
