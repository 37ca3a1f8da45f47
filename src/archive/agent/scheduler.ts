// The agent's loop: find ready files (fs.watch plus a readdir every 500 ms), order them as
// PostgreSQL will ask for them, and keep every lane busy with the next batch. One round runs at a
// time; a wake-up during a round runs one more round after it.

import { watch, type FSWatcher } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { ACK_DIR, WANT_DIR } from '../../agent/layout.js';
import type { IdleTimer } from '../../agent/liveness.js';
import { slotDirPath } from '../../agent/slot.js';
import { createBackoff } from './backoff.js';
import type { Lane } from './lanes.js';
import { orderCandidates, planBatch, type BatchLimits } from './plan-batches.js';
import { pruneSlot } from './prune.js';
import { archiveStatusPath, scanArchiveStatus, scanSlotNames } from './scan.js';
import { shipBatch, type AgentContext, type BatchOutcome } from './ship-batch.js';
import { checkAck, removeAck, walFilePath } from './acknowledge.js';

export const POLL_MS = 500;
const GLOBAL_KEY = '\0global';

export interface Scheduler {
  wake(): void;
  /** No new batches; resolves when the ones in flight have ended. */
  stop(): Promise<void>;
}

/** The acks of ready files that are hard links of them; a foreign one (a copy, a symlink) is removed. */
async function validAcks(ctx: AgentContext, acked: Set<string>, ready: Set<string>): Promise<Set<string>> {
  const valid = new Set<string>();
  for (const name of acked) {
    if (!ready.has(name)) continue;
    const check = await checkAck(ctx.slot, name);
    if (check.state === 'valid') valid.add(name);
    else if (check.state === 'foreign') {
      await removeAck(ctx.slot, name);
      await ctx.log.write('WARNING', `ack/${name} ${check.reason}; removed, shipping it again`);
    }
  }
  return valid;
}

export function startScheduler(ctx: AgentContext, lanes: Lane[], limits: BatchLimits, idle: IdleTimer): Scheduler {
  const free = [...lanes];
  const inFlight = new Set<string>();
  const running = new Set<Promise<void>>();
  const alone = new Set<string>();
  const backoff = createBackoff();
  let stopped = false;
  let busy = false;
  let again = false;

  const apply = (outcome: BatchOutcome): void => {
    const now = Date.now();
    if (outcome.kind === 'split') for (const name of outcome.names) alone.add(name);
    else if (outcome.kind === 'failed' && outcome.global) backoff.fail(GLOBAL_KEY, now);
    else {
      if (outcome.kind === 'acked') backoff.succeed(GLOBAL_KEY);
      const failed = outcome.kind === 'acked' ? outcome.failed : outcome.names;
      for (const name of failed) backoff.fail(name, now);
      if (outcome.kind === 'acked') for (const name of outcome.names) (backoff.succeed(name), alone.delete(name));
    }
  };

  const launch = (lane: Lane, batch: string[]): void => {
    for (const name of batch) inFlight.add(name);
    const end = idle.begin();
    const work = shipBatch(ctx, lane, batch)
      .then(apply, async (error: unknown) => {
        await ctx.log.write('ERROR', `lane ${lane.index}: ${(error as Error).stack ?? String(error)}`);
        for (const name of batch) backoff.fail(name, Date.now());
      })
      .finally(() => {
        for (const name of batch) inFlight.delete(name);
        free.push(lane);
        running.delete(work);
        end();
        wake();
      });
    running.add(work);
  };

  const sizeOf = async (name: string): Promise<{ name: string; size: number } | undefined> =>
    lstat(walFilePath(ctx.slot, name)).then((info) => ({ name, size: info.size }), () => undefined);

  const round = async (): Promise<void> => {
    const status = await scanArchiveStatus(ctx.slot.dataDir);
    const [acked, wanted] = await Promise.all([scanSlotNames(ctx.slot, ACK_DIR), scanSlotNames(ctx.slot, WANT_DIR)]);
    await pruneSlot(ctx.slot, status);
    const now = Date.now();
    const valid = await validAcks(ctx, acked, status.ready);
    const todo = orderCandidates(status.ready, wanted).filter((name) => !valid.has(name) && !inFlight.has(name));
    if (todo.length > 0 || inFlight.size > 0) idle.activity();
    if (!backoff.due(GLOBAL_KEY, now)) return;
    const candidates = todo.filter((name) => backoff.due(name, now));
    while (!stopped && free.length > 0 && candidates.length > 0) {
      const window = candidates.slice(0, limits.maxFiles);
      const sized = (await Promise.all(window.map(sizeOf))).filter((entry) => entry !== undefined);
      const batch = planBatch(sized, limits, alone);
      if (batch.length === 0) break;
      for (const name of [...window]) if (batch.includes(name) || !sized.some((entry) => entry.name === name)) candidates.splice(candidates.indexOf(name), 1);
      launch(free.shift() as Lane, batch);
    }
  };

  const wake = (): void => {
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void (async () => {
      do {
        again = false;
        await round().catch((error: unknown) => ctx.log.write('ERROR', `scan failed: ${(error as Error).message}`));
      } while (again && !stopped);
      busy = false;
    })();
  };

  const watchers: FSWatcher[] = [archiveStatusPath(ctx.slot.dataDir), slotDirPath(ctx.slot, WANT_DIR)].flatMap((dir) => {
    try {
      return [watch(dir, { persistent: false }, wake)];
    } catch {
      return []; // the 500 ms readdir still finds everything
    }
  });
  const timer = setInterval(wake, POLL_MS);
  wake();
  return {
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const watcher of watchers) watcher.close();
      await Promise.all([...running]);
    },
  };
}
