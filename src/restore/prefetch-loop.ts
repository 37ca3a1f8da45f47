// The prefetch worker's loop: under the namespace lock, keep up to JOBS fetches in flight for the
// segments after PostgreSQL's latest request. A newer request re-plans at once, without waiting for
// the fetches already running (they finish, or skip themselves once consumed). The worker stops
// when nothing is in flight and no newer request came; after releasing the lock it looks once
// more, because a restore that saw the lock still held started no worker of its own.

export interface PipelineSteps<Request> {
  acquire(): Promise<{ release(): Promise<void> } | undefined>;
  readRequest(): Promise<Request | undefined>;
  keyOf(request: Request): string;
  /** The names to fetch for this request, in the order PostgreSQL will ask for them. */
  plan(request: Request): Promise<string[]>;
  /** Fetches one name into the spool; never rejects (failures are logged by the step). */
  fetch(name: string): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface PipelineLimits {
  jobs: number;
  /** How often a busy worker looks for a newer request. */
  pollMs: number;
  /** A worker's lifetime; the next restore starts a fresh one. */
  maxMs: number;
}

export const PIPELINE_LIMITS: Omit<PipelineLimits, 'jobs'> = { pollMs: 100, maxMs: 3_600_000 };

export interface PipelineReport {
  plans: number;
  fetches: number;
}

export async function runPrefetchPipeline<Request>(steps: PipelineSteps<Request>, limits: PipelineLimits): Promise<PipelineReport> {
  const report: PipelineReport = { plans: 0, fetches: 0 };
  const deadline = steps.now() + limits.maxMs;
  let planned: string | undefined;
  while (steps.now() < deadline) {
    const lock = await steps.acquire();
    if (!lock) return report;
    try {
      planned = await drive(steps, limits, deadline, planned, report);
    } finally {
      await lock.release();
    }
    const latest = await steps.readRequest();
    if (latest === undefined || steps.keyOf(latest) === planned) return report;
  }
  return report;
}

/** Runs fetches until idle; returns the key of the last request planned for. */
async function drive<Request>(
  steps: PipelineSteps<Request>,
  limits: PipelineLimits,
  deadline: number,
  planned: string | undefined,
  report: PipelineReport,
): Promise<string | undefined> {
  const inflight = new Map<string, Promise<void>>();
  let queue: string[] = [];
  for (;;) {
    const request = await steps.readRequest();
    if (request !== undefined && steps.keyOf(request) !== planned && steps.now() < deadline) {
      planned = steps.keyOf(request);
      report.plans++;
      // The new plan replaces what was still queued: those names may be consumed already.
      queue = (await steps.plan(request)).filter((name) => !inflight.has(name));
    }
    while (inflight.size < Math.max(1, limits.jobs) && queue.length > 0) {
      const name = queue.shift() as string;
      report.fetches++;
      const running = steps.fetch(name).catch(() => undefined).finally(() => inflight.delete(name));
      inflight.set(name, running);
    }
    if (inflight.size === 0) return planned;
    await Promise.race([...inflight.values(), steps.sleep(limits.pollMs)]);
  }
}
