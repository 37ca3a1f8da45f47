// When a process started, from /proc: the value that tells a live holder from a reused pid
// (Linux recycles pids; a heartbeat alone cannot tell them apart for up to the stale age).

import { readFile } from 'node:fs/promises';

/**
 * Field 22 of /proc/<pid>/stat (starttime, clock ticks since boot), as text. The comm field may
 * hold spaces and parentheses, so fields are counted after the last ')'. undefined when the
 * process is gone or /proc cannot be read.
 */
export async function procStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19]; // fields[0] is field 3 (state)
    return start !== undefined && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: the unit of starttime. 100 on every Linux ABI Node runs on (getconf CLK_TCK would fork). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Boot time in Unix seconds (the btime line of /proc/stat). */
async function bootEpoch(): Promise<number | undefined> {
  try {
    const match = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** When the process started, in Unix seconds (to the tick), or undefined when it cannot be known. */
export async function procStartEpoch(pid: number): Promise<number | undefined> {
  const [ticks, boot] = await Promise.all([procStartTime(pid), bootEpoch()]);
  return ticks === undefined || boot === undefined ? undefined : boot + Number(ticks) / CLOCK_TICKS_PER_SECOND;
}
