// The client's half of the agent lifecycle (design §2 step 2, §2.2): start the agent when its lock
// is free or stale; when a live agent serves another target or another postmaster, stop it (after
// checking /proc says it is our agent on this data directory) and start ours. Never from sh.

import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSlotFence, sameFence, type Fence } from '../../agent/fence.js';
import { AGENT_LOG_FILE, AGENT_PID_FILE, PM_FILE } from '../../agent/layout.js';
import { isHolderLive, readLockHolder } from '../../agent/lock.js';
import { procStartEpoch } from '../../agent/proc-start.js';
import { readSlotTarget, type Slot } from '../../agent/slot.js';
import { spawnAgent } from '../../agent/spawn.js';
import { runsEntry } from '../../cli/entry-spawn.js';

/** The agent's entry: dist/bundle/archive-agent.js, or `walship archive-agent` in the single-file executable. */
export const ARCHIVE_AGENT_ENTRY = 'archive-agent';

/** How long a stopped agent may take to finish its batches and release the slot. */
const STOP_WAIT_MS = 20_000;

export type Arming = 'ours' | 'arming' | 'other';

/** Is the slot armed for this postmaster and this target? 'arming': the agent has not re-armed yet. */
export async function slotArming(slot: Slot, fence: Fence, key: string, agentPid?: number): Promise<Arming> {
  const [armedFence, target] = await Promise.all([readSlotFence(slot.dir), readSlotTarget(slot)]);
  if (sameFence(armedFence, fence) && target.state === 'present' && target.value === key) return 'ours';
  if (agentPid === undefined) return 'other';
  // re-arm removes pm first and writes it last: an agent that started after pm was written is still arming.
  const pmAt = await stat(join(slot.dir, PM_FILE)).then((info) => info.mtimeMs / 1000, () => undefined);
  const started = await procStartEpoch(agentPid);
  return pmAt === undefined || (started !== undefined && pmAt < started) ? 'arming' : 'other';
}

/** /proc says pid is an archive agent whose cwd is this data directory. */
async function isOurAgent(pid: number, dataDir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!runsEntry(cmdline.split('\0'), ARCHIVE_AGENT_ENTRY)) return false;
  const [cwd, ours] = await Promise.all([realpath(`/proc/${pid}/cwd`).catch(() => ''), realpath(dataDir).catch(() => undefined)]);
  return cwd === ours;
}

async function stopAgent(slot: Slot, pid: number): Promise<boolean> {
  if (!(await isOurAgent(pid, slot.dataDir))) return false;
  process.kill(pid, 'SIGTERM');
  for (const deadline = Date.now() + STOP_WAIT_MS; Date.now() < deadline; await sleep(50)) {
    if (!(await isHolderLive(await readLockHolder(join(slot.dir, AGENT_PID_FILE))))) return true;
  }
  return false;
}

/**
 * True when an agent for this target runs (or was just started); false when none can serve this
 * call (a foreign holder that would not stop, or the spawn failed): the caller ships by itself.
 */
export async function ensureAgentRunning(slot: Slot, fence: Fence, key: string, agentArgv: readonly string[]): Promise<boolean> {
  const holder = await readLockHolder(join(slot.dir, AGENT_PID_FILE));
  if (await isHolderLive(holder)) {
    const arming = await slotArming(slot, fence, key, holder?.pid);
    if (arming !== 'other') return true;
    if (!(await stopAgent(slot, holder?.pid as number))) return false;
  }
  const logPath = join(slot.dir, AGENT_LOG_FILE);
  return (await spawnAgent({ entry: ARCHIVE_AGENT_ENTRY, args: agentArgv, dataDir: slot.dataDir, logPath }).catch(() => undefined)) !== undefined;
}
