// The client waiting for the agent (design §2 step 3): want/<name> moves the file to the front of
// the agent's queue; the wait ends with a valid ack, or early when waiting is pointless (the agent
// died, or reported an error for this file or for the archive host), or at --async-wait.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fence } from '../../agent/fence.js';
import { AGENT_PID_FILE, GLOBAL_STATUS_NAME, WANT_DIR } from '../../agent/layout.js';
import { isHolderLive, readLockHolder } from '../../agent/lock.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import { readStatus } from '../../agent/status-file.js';
import { checkAck } from './acknowledge.js';
import { slotArming } from './ensure-running.js';

const POLL_MS = 20;
const HEALTH_EVERY = 25; // polls: about every half second (a spawned agent gets 3 s to take its lock)

/** An error that makes waiting pointless: one for this file, or the archive host unreachable. */
export async function agentReportsError(slot: Slot, name: string): Promise<boolean> {
  const reads = await Promise.all([readStatus(slot.dir, name), readStatus(slot.dir, GLOBAL_STATUS_NAME)]);
  return reads.some((read) => read.state !== 'absent');
}

export async function isAckedFor(slot: Slot, name: string, fence: Fence, key: string): Promise<boolean> {
  return (await checkAck(slot, name)).state === 'valid' && (await slotArming(slot, fence, key)) === 'ours';
}

/** True once the agent acknowledged `name`; false when the caller must ship it itself. */
export async function awaitAck(slot: Slot, name: string, armedFor: { fence: Fence; key: string }, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (let poll = 0; Date.now() < deadline; poll++) {
    if (poll % HEALTH_EVERY === 0) {
      // Rewritten each time: a re-arming agent empties want/.
      await writeFile(join(slotDirPath(slot, WANT_DIR), name), '', { mode: 0o600 }).catch(() => undefined);
      if (poll > 0 && (await agentReportsError(slot, name))) return false;
      if (poll >= 6 * HEALTH_EVERY && !(await isHolderLive(await readLockHolder(join(slot.dir, AGENT_PID_FILE))))) return false;
    }
    if (await isAckedFor(slot, name, armedFor.fence, armedFor.key)) return true;
    await sleep(POLL_MS);
  }
  return false;
}
