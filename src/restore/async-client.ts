// The Node side of `walship-restore --async` for PostgreSQL's own call (%p = pg_wal/RECOVERYXLOG),
// reached when the sh fast path missed (design §1.2, §3.1): take ready/<name> if the agent left a
// valid copy, wait for one it is fetching right now, or fetch directly as the sync path does, with
// the same exit statuses. asked/<name> is written before a direct fetch, so the agent neither
// starts nor publishes that segment afterwards; served/<name> moves the agent's cursor.

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readFence, readSlotFence, sameFence } from '../agent/fence.js';
import { AGENT_LOG_FILE, AGENT_PID_FILE, ASKED_DIR, INFLIGHT_DIR, SERVED_DIR } from '../agent/layout.js';
import { isHolderLive, readLockHolder } from '../agent/lock.js';
import { openSlot, readSlotTarget, slotDirPath, type Slot } from '../agent/slot.js';
import { spawnAgent } from '../agent/spawn.js';
import { readStatus } from '../agent/status-file.js';
import { restoreTargetKey } from '../agent/target-key.js';
import type { Transport } from '../transport/transport.js';
import type { WalName } from '../wal/name.js';
import type { RestoreOptions } from './args.js';
import { systemIdentifierOf } from '../wal/cluster-identity.js';
import { writeMarker } from './agent/markers.js';
import { takeReady } from './agent/take-ready.js';
import { checkDestination } from './destination.js';
import { restoreWal } from './restore.js';

export interface AsyncCallContext {
  transport: Transport;
  /** The data directory: PostgreSQL runs restore_command there. */
  dataDir: string;
  /** The whole command line: the agent is started with it, and it gives the TARGET KEY. */
  argv: readonly string[];
  /** restore_command's environment: an s3:// target's key holds its endpoint variables (target-key.ts). */
  env: NodeJS.ProcessEnv;
  warn(line: string): void;
}

/** scripts/bundle.mjs builds src/restore/agent/main.ts as dist/bundle/restore-agent.js, beside restore.js. */

/** How long a call waits for a segment the agent is fetching before it fetches it itself. */
export const INFLIGHT_WAIT_MS = 30_000;
const POLL_MS = 10;

const agentAlive = async (slot: Slot): Promise<boolean> => isHolderLive(await readLockHolder(join(slot.dir, AGENT_PID_FILE)));
const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

export async function restoreAsync(options: RestoreOptions, wal: WalName, ctx: AsyncCallContext): Promise<'delivered' | 'not-found'> {
  await checkDestination(options.walDest);
  const slot = await openSlot(ctx.dataDir, 'restore', { create: true }).catch((error: unknown) => {
    ctx.warn(`WARNING: async restore off for this call: ${(error as Error).message}`);
    return undefined;
  });
  if (slot === undefined) return direct(options, wal, ctx, undefined, await systemIdentifierOf(ctx.dataDir));
  await reportGlobalError(slot, ctx);
  const armed = await isArmedForUs(slot, ctx);
  const sysid = await systemIdentifierOf(ctx.dataDir);
  const take = (): Promise<boolean> => (armed ? takeReady(slot, wal, options.walDest, sysid, ctx.warn) : Promise.resolve(false));

  if ((await take()) || (armed && (await awaitInflight(slot, wal)) && (await take()))) {
    writeMarker(slot, SERVED_DIR, wal.name);
    await ensureAgent(slot, ctx);
    return 'delivered';
  }
  // From here the agent may neither start nor publish this segment; look once more in case it
  // published between our look and the marker.
  writeMarker(slot, ASKED_DIR, wal.name);
  if (await take()) {
    writeMarker(slot, SERVED_DIR, wal.name);
    await ensureAgent(slot, ctx);
    return 'delivered';
  }
  await ensureAgent(slot, ctx); // started before the fetch, so its start overlaps ours
  return direct(options, wal, ctx, slot, sysid);
}

/**
 * Today's path (same exit statuses); a delivery moves the agent's cursor. The system identifier is
 * checked as on the sync path (SPEC §7): the agent's publish gate refuses a foreign segment, and
 * without this check the call that then fetches it directly would deliver it.
 */
async function direct(options: RestoreOptions, wal: WalName, ctx: AsyncCallContext, slot: Slot | undefined, systemIdentifier: bigint | undefined): Promise<'delivered' | 'not-found'> {
  const result = await restoreWal(options, wal, { transport: ctx.transport, spool: undefined, systemIdentifier, warn: ctx.warn });
  if (result.kind === 'not-found') return 'not-found';
  if (slot !== undefined) writeMarker(slot, SERVED_DIR, wal.name);
  return 'delivered';
}

/** ready/ belongs to this postmaster (fence) and this restore_command's target only. */
async function isArmedForUs(slot: Slot, ctx: AsyncCallContext): Promise<boolean> {
  const [fence, armedFor, target] = await Promise.all([readFence(ctx.dataDir), readSlotFence(slot.dir), readSlotTarget(slot)]);
  const key = restoreTargetKey(ctx.argv, ctx.env) ?? '';
  return sameFence(fence, armedFor) && target.state === 'present' && target.value === key;
}

/** true once inflight/<name> is gone (the agent published it or gave up); false if nobody is fetching it. */
async function awaitInflight(slot: Slot, wal: WalName): Promise<boolean> {
  const marker = join(slotDirPath(slot, INFLIGHT_DIR), wal.name);
  if (!(await exists(marker)) || !(await agentAlive(slot))) return false;
  const deadline = Date.now() + INFLIGHT_WAIT_MS;
  while (Date.now() < deadline) {
    await delay(POLL_MS);
    if (!(await exists(marker))) return true;
  }
  return false;
}

/** The agent's "spool paused" and similar global troubles, into PostgreSQL's log. */
async function reportGlobalError(slot: Slot, ctx: AsyncCallContext): Promise<void> {
  const status = await readStatus(slot.dir, 'global').catch(() => undefined);
  if (status?.state === 'present') ctx.warn(`WARNING: async restore: ${status.value.message}`);
}

/** Starts the agent unless a live one holds the slot, and only under a running postmaster. */
async function ensureAgent(slot: Slot, ctx: AsyncCallContext): Promise<void> {
  try {
    if ((await readFence(ctx.dataDir)) === undefined || (await agentAlive(slot))) return;
    await spawnAgent({ entry: 'restore-agent', args: ctx.argv, dataDir: ctx.dataDir, logPath: join(slot.dir, AGENT_LOG_FILE) });
  } catch (error) {
    ctx.warn(`WARNING: async restore: cannot start the agent: ${(error as Error).message}`);
  }
}
