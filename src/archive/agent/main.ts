// Entry of the async archive agent (bundle 'archive-agent'): spawned detached by walship-archive
// --async with the client's own arguments minus WAL_PATH and cwd = the data directory. One per
// slot (agent.pid lock); it re-arms the slot, ships ahead of PostgreSQL and exits when idle, when
// its postmaster is gone, or on SIGTERM/SIGINT, leaving no ssh master behind (design §2.2).

import { join } from 'node:path';
import { runWorker } from '../../cli/run-main.js';
import { readFence } from '../../agent/fence.js';
import { AGENT_PID_FILE } from '../../agent/layout.js';
import { isPostmasterAlive, watchPostmaster, createIdleTimer } from '../../agent/liveness.js';
import { acquireLock } from '../../agent/lock.js';
import { createAgentLog } from '../../agent/log.js';
import { purgeSlotOnExit } from '../../agent/purge.js';
import { openSlot } from '../../agent/slot.js';
import { targetHash, targetKey } from '../../agent/target-key.js';
import { parseArchiveArgs, targetIdentityOf } from '../options.js';
import { createLanes, exitLaneMaster } from './lanes.js';
import { MAX_BATCH_BYTES } from './plan-batches.js';
import { rearmArchive } from './rearm.js';
import { scanArchiveStatus } from './scan.js';
import { startScheduler } from './scheduler.js';
import { systemIdentifierOf } from '../../wal/cluster-identity.js';
import { ASYNC_DEFAULTS } from '../options.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArchiveArgs(argv, { stdout: process.stderr, invokedAs: 'walship-archive' }, { walPathRequired: false });
  if (args === undefined) return;
  const dataDir = process.cwd();
  const key = targetKey(argv, process.env) ?? '';
  const slot = await openSlot(dataDir, 'archive', { create: true });
  if (slot === undefined) return;
  const log = createAgentLog(slot.dir);
  const fence = await readFence(dataDir);
  if (fence === undefined || !(await isPostmasterAlive(fence))) {
    await log.write('INFO', 'no running postmaster for this data directory; not starting');
    return;
  }
  let finish: (reason: string) => void = () => undefined;
  const finished = new Promise<string>((resolve) => (finish = resolve));
  const lock = await acquireLock(join(slot.dir, AGENT_PID_FILE), { onLost: () => finish('agent.pid was taken over') });
  if (lock === undefined) return; // another agent holds the slot
  const lanes = await createLanes({ args, dataDir, key, env: process.env, persistSeconds: args.options.idleExit });
  try {
    await Promise.all(lanes.map((lane) => exitLaneMaster(lane, args, process.env))); // a killed agent's masters
    const hash = targetHash(targetIdentityOf(args, process.env));
    const report = await rearmArchive(slot, { fence, key, targetHash: hash }, (await scanArchiveStatus(dataDir)).ready, log);
    await log.write('INFO', `started for ${key} (fence ${fence.text}); re-acknowledged ${report.relinked.length}, ${report.stale.length} changed since shipped`);
    const ctx = { slot, args, targetHash: hash, systemId: await systemIdentifierOf(dataDir), log };
    const idle = createIdleTimer(args.options.idleExit * 1000, () => finish('idle'));
    const stopWatching = watchPostmaster(fence, () => finish('postmaster gone'));
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => finish(signal));
    const limits = { maxFiles: args.options.batch ?? ASYNC_DEFAULTS.batch, maxBytes: MAX_BATCH_BYTES };
    const scheduler = startScheduler(ctx, lanes, limits, idle);
    const reason = await finished;
    stopWatching();
    idle.stop();
    await scheduler.stop();
    await log.write('INFO', `exiting: ${reason}`);
  } finally {
    // ssh lanes end their masters; s3:// lanes close their clients' keep-alive pools.
    await Promise.all(lanes.map((lane) => lane.transport.close().catch(() => undefined)));
    await purgeSlotOnExit(slot).catch(() => undefined);
    await lock.release();
    // A handle nobody closed (a watcher, a stuck child pipe) must not keep a finished agent alive.
    setTimeout(() => process.exit(), 2_000).unref();
  }
}

runWorker(main);
