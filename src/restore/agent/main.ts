// Entry of the restore agent (dist/bundle/restore-agent.js), started by `walship-restore --async`
// with its own command line, cwd = the data directory, stdout/stderr on the slot's agent.log.
// One per slot (agent.pid); arms the slot for this postmaster, runs the queue, and on exit (idle,
// recovery over, postmaster gone, SIGTERM) purges ready/, inflight/ and tmp/ (design §2.2).

import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { readFence, readSlotFence, sameFence, type Fence } from '../../agent/fence.js';
import { AGENT_PID_FILE, ASKED_DIR, INFLIGHT_DIR, READY_DIR, SERVED_DIR, STATUS_DIR, TMP_DIR } from '../../agent/layout.js';
import { createIdleTimer, watchPostmaster } from '../../agent/liveness.js';
import { acquireLock } from '../../agent/lock.js';
import { createAgentLog } from '../../agent/log.js';
import { purgeSlotOnExit } from '../../agent/purge.js';
import { emptySlotDir, openSlot, rearmSlot, slotDirPath, writeSlotTarget, type Slot } from '../../agent/slot.js';
import { clearStatus } from '../../agent/status-file.js';
import { restoreTargetKey } from '../../agent/target-key.js';
import { runWorker } from '../../cli/run-main.js';
import { sweepAbandonedTemps } from '../../durable/temp-sweep.js';
import { loadServerMain } from '../../server/in-process.js';
import { sessionTransport } from '../../serve/session-transport.js';
import { transportFromOptions } from '../../transport/select.js';
import { DEFAULT_IDLE_EXIT_SECONDS, DEFAULT_QUEUE_MAX, parseRestoreArgs } from '../args.js';
import { systemIdentifierOf } from '../../wal/cluster-identity.js';
import { RestoreQueue } from './queue.js';
import { isRecovering } from './recovery-state.js';

const TICK_MS = 200;

/**
 * Same postmaster as the slot was armed for (an agent that exited idle, or was killed): keep the
 * asked/served markers, which carry the cursor, and drop the rest. A new postmaster: re-arm.
 */
async function armSlot(slot: Slot, fence: Fence, key: string | undefined): Promise<void> {
  if (!sameFence(fence, await readSlotFence(slot.dir))) return rearmSlot(slot, fence, key);
  for (const dir of [READY_DIR, INFLIGHT_DIR, STATUS_DIR] as const) await emptySlotDir(slot, dir);
  await sweepAbandonedTemps(slotDirPath(slot, TMP_DIR));
  await writeSlotTarget(slot, key);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseRestoreArgs(argv, { stdout: new PassThrough() });
  if (options === undefined) return;
  const dataDir = process.cwd();
  const slot = await openSlot(dataDir, 'restore', { create: true });
  if (slot === undefined) return;
  const log = createAgentLog(slot.dir);
  const say = (line: string): void => void log.write('INFO', line);
  const lock = await acquireLock(join(slot.dir, AGENT_PID_FILE), { onLost: () => stop('lock taken by another process') });
  if (lock === undefined) return; // another agent runs
  const fence = await readFence(dataDir);
  const sysid = await systemIdentifierOf(dataDir);
  if (fence === undefined || sysid === undefined || !isRecovering(dataDir)) {
    say(`not starting: ${fence === undefined ? 'no postmaster.pid' : sysid === undefined ? 'global/pg_control unreadable' : 'not in recovery'}`);
    await purgeSlotOnExit(slot);
    await lock.release();
    return;
  }
  await armSlot(slot, fence, restoreTargetKey(argv, process.env));
  // Fetches and peeks over one serve session per lane (no remote Node start per segment); exec
  // get-wal against a far end that refuses serve (Barman). jobs lanes fetch, one more plans.
  const base = transportFromOptions(options, process.stderr, process.env, loadServerMain);
  const transport = sessionTransport({ base, serverName: options.serverName, config: options.config, lanes: options.jobs + 1, stderr: process.stderr, log: say });
  let stopReason: string | undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  function stop(reason: string): void {
    stopReason ??= reason;
    resolveStopped();
  }
  const idleSeconds = options.idleExitSeconds ?? DEFAULT_IDLE_EXIT_SECONDS;
  const queueMax = options.queueMax ?? DEFAULT_QUEUE_MAX;
  const idle = createIdleTimer(idleSeconds * 1000, () => stop(`idle for ${idleSeconds} s`));
  const queue = new RestoreQueue({ slot, transport, options, queueMax, sysid, log: say, activity: () => idle.activity(), begin: () => idle.begin() });
  const unwatchPm = watchPostmaster(fence, () => stop('postmaster gone'));
  const watchers: FSWatcher[] = ([ASKED_DIR, SERVED_DIR, READY_DIR] as const).map((dir) => watch(slotDirPath(slot, dir), () => queue.poke()));
  const timer = setInterval(() => {
    if (!isRecovering(dataDir)) stop('recovery ended');
    queue.poke();
  }, TICK_MS);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  say(`started: pid ${process.pid}, postmaster ${fence.text}, jobs ${options.jobs}, queue-max ${queueMax} bytes`);
  queue.poke();

  await stopped;
  clearInterval(timer);
  unwatchPm();
  idle.stop();
  for (const watcher of watchers) watcher.close();
  await queue.stop();
  const removed = await purgeSlotOnExit(slot);
  await clearStatus(slot.dir, 'global').catch(() => undefined);
  await transport.close();
  say(`stopped (${stopReason ?? 'unknown'}); purged ${removed.length} entries`);
  await lock.release();
  await log.write('INFO', 'exit');
}

runWorker(main);
