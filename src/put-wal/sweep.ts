// Removes temp files left in the incoming directory by a put-wal that was killed (SIGKILL, power
// loss): their writer's PID is in the name, and a temp whose writer is gone can never be published.

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { isTempName } from '../durable/durable-write.js';

/** Temp names are `.<final>.<pid>.<random>.walship-tmp`. */
export function tempOwnerPid(name: string): number | undefined {
  if (!isTempName(name)) return undefined;
  const parts = name.split('.');
  const pid = Number(parts[parts.length - 3]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(error) === 'EPERM';
  }
}

/** Returns the names it removed. Never touches anything that is not one of our temp names. */
export async function sweepStaleTemps(dir: string, alive: (pid: number) => boolean = isProcessAlive): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const pid = tempOwnerPid(name);
    if (pid === undefined || pid === process.pid || alive(pid)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }
  return removed;
}
