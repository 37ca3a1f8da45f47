// When an agent should stop on its own: its postmaster is gone (the fence pid no longer runs, or a
// reused pid belongs to a process that started at another time), or it has been idle too long.

import { isProcessAlive } from '../durable/process-alive.js';
import type { Fence } from './fence.js';
import { procStartEpoch } from './proc-start.js';

/**
 * PostgreSQL records its start time (MyStartTime) early in PostmasterMain, so the process started
 * at most a moment before; a reused pid started long after. The slack covers clock rounding and a
 * slow exec under load. Wrongly "gone" only costs an agent restart; wrongly "alive" an idle exit.
 */
export const START_SLACK_SECONDS = 30;

export async function isPostmasterAlive(fence: Fence): Promise<boolean> {
  if (!isProcessAlive(fence.pid)) return false;
  const started = await procStartEpoch(fence.pid);
  if (started === undefined) return true; // no /proc: kill -0 is all we have
  return started <= fence.startEpoch + 2 && fence.startEpoch - started <= START_SLACK_SECONDS;
}

/** Polls the postmaster once per interval (default 1 s, design §2.2) and calls onGone once. */
export function watchPostmaster(fence: Fence, onGone: () => void, intervalMs = 1_000): () => void {
  let done = false;
  const timer = setInterval(() => {
    void isPostmasterAlive(fence).then((alive) => {
      if (alive || done) return;
      done = true;
      clearInterval(timer);
      onGone();
    });
  }, intervalMs);
  return () => {
    done = true;
    clearInterval(timer);
  };
}

export interface IdleTimer {
  /** Something happened (a new .ready, a served/asked marker): the idle period restarts. */
  activity(): void;
  /** Work began; the returned function ends it. The agent is never idle while work is in flight. */
  begin(): () => void;
  stop(): void;
}

/** Calls onIdle once, after idleMs with no activity and nothing in flight (--idle-exit). */
export function createIdleTimer(idleMs: number, onIdle: () => void): IdleTimer {
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (stopped || inFlight > 0) return;
    timer = setTimeout(() => {
      stopped = true;
      onIdle();
    }, idleMs);
  };
  arm();
  return {
    activity: arm,
    begin() {
      inFlight++;
      arm();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inFlight--;
        arm();
      };
    },
    stop() {
      stopped = true;
      arm();
    },
  };
}
