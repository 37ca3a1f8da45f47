// Removes temp files left in the incoming directory by a put-wal that was killed (SIGKILL, power
// loss): their writer's PID is in the name, and a temp whose writer is gone can never be published.

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { tempOwnerPid } from '../durable/durable-write.js';
import { isProcessAlive } from '../durable/process-alive.js';

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
