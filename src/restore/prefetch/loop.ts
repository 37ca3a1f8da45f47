// The prefetch worker's loop: under the namespace lock, keep up to JOBS fetches in flight for the
// segments after PostgreSQL's latest request. A newer request re-plans without waiting for the
// fetches already running (they finish, or skip themselves once consumed), but only when the
// window ahead has run low, since every plan is one more ssh round trip. The worker lingers
// briefly when idle (so a steady recovery keeps one worker instead of starting one per segment),
// longer while it holds segments it spooled that recovery may still ask for (a slow replay), then
// stops and removes those nobody claimed (issue 10: they would otherwise stay until a later call
// swept them, or for 30 minutes); after releasing the lock it looks once more, because a restore
// that saw the lock still held started no worker of its own.

export interface PipelineSteps<Request> {
  acquire(): Promise<{ release(): Promise<void> } | undefined>;
  readRequest(): Promise<Request | undefined>;
  keyOf(request: Request): string;
  /** Has the window ahead of this request run low enough to ask the archive for more? */
  needsPlan(request: Request, inflight: readonly string[]): Promise<boolean>;
  /** The names to fetch for this request, in the order PostgreSQL will ask for them. */
  plan(request: Request): Promise<string[]>;
  /** Fetches one name into the spool; never rejects (failures are logged by the step). */
  fetch(name: string): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Should an idle worker stay on (up to holdMs)? True while it holds unclaimed segments and recovery goes on. */
  lingers?(): Promise<boolean>;
  /** Under the lock, as an idle worker stops: removes the segments it spooled that nobody claimed. */
  sweep?(): Promise<void>;
}

export interface PipelineLimits {
  jobs: number;
  /** How often a busy worker looks for a newer request. */
  pollMs: number;
  /** How long an idle worker waits for a newer request before it stops. */
  idleMs: number;
  /** How long it waits instead while lingers() says so; default idleMs. */
  holdMs?: number;
  /** A worker's lifetime; the next restore starts a fresh one. */
  maxMs: number;
}

/** holdMs: far longer than replaying one segment takes, short enough that nothing outlives a recovery for long. */
export const PIPELINE_LIMITS: Omit<PipelineLimits, 'jobs'> = { pollMs: 100, idleMs: 3_000, holdMs: 30_000, maxMs: 3_600_000 };

export interface PipelineReport {
  plans: number;
  fetches: number;
}

export async function runPrefetchPipeline<Request>(steps: PipelineSteps<Request>, limits: PipelineLimits): Promise<PipelineReport> {
  const report: PipelineReport = { plans: 0, fetches: 0 };
  const deadline = steps.now() + limits.maxMs;
  let seen: string | undefined;
  while (steps.now() < deadline) {
    const lock = await steps.acquire();
    if (!lock) return report;
    try {
      seen = await drive(steps, limits, deadline, seen, report);
    } finally {
      await lock.release();
    }
    const latest = await steps.readRequest();
    if (latest === undefined || steps.keyOf(latest) === seen) return report;
  }
  return report;
}

/** Runs fetches until idle; returns the key of the last request it looked at. */
async function drive<Request>(
  steps: PipelineSteps<Request>,
  limits: PipelineLimits,
  deadline: number,
  seen: string | undefined,
  report: PipelineReport,
): Promise<string | undefined> {
  const inflight = new Map<string, Promise<void>>();
  let queue: string[] = [];
  let lastActivity = steps.now();
  for (;;) {
    const request = await steps.readRequest();
    if (request !== undefined && steps.keyOf(request) !== seen && steps.now() < deadline) {
      seen = steps.keyOf(request);
      lastActivity = steps.now();
      if (await steps.needsPlan(request, [...inflight.keys()])) {
        report.plans++;
        // The new plan replaces what was still queued: those names may be consumed already.
        queue = (await steps.plan(request)).filter((name) => !inflight.has(name));
      }
    }
    while (inflight.size < Math.max(1, limits.jobs) && queue.length > 0) {
      const name = queue.shift() as string;
      report.fetches++;
      const running = steps
        .fetch(name)
        .catch(() => undefined)
        .finally(() => {
          inflight.delete(name);
          lastActivity = steps.now();
        });
      inflight.set(name, running);
    }
    if (inflight.size === 0 && (steps.now() >= deadline || (await stopsIdle(steps, limits, steps.now() - lastActivity)))) return seen;
    await Promise.race([...inflight.values(), steps.sleep(limits.pollMs)]);
  }
}

/**
 * Idle long enough to stop? Past idleMs, unless lingers() asks to stay until holdMs. Stopping idle
 * sweeps first: nobody else will ask for what this worker spooled (a lifetime's end does not sweep:
 * the next worker plans on from the same request and finds those segments still useful).
 */
async function stopsIdle<Request>(steps: PipelineSteps<Request>, limits: PipelineLimits, idle: number): Promise<boolean> {
  if (idle < limits.idleMs) return false;
  if (idle < (limits.holdMs ?? limits.idleMs) && (await steps.lingers?.())) return false;
  await steps.sweep?.();
  return true;
}
