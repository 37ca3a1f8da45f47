// The prefetch worker's loop: under the namespace lock, run rounds until the latest request has
// been served, then release and look once more (a restore that saw the lock held just before the
// release spawned no worker, so its request would otherwise wait for the next restore).

export interface LoopSteps<Request> {
  acquire(): Promise<{ release(): Promise<void> } | undefined>;
  readRequest(): Promise<Request | undefined>;
  keyOf(request: Request): string;
  round(request: Request): Promise<void>;
}

/** Upper bound on rounds per worker, so a restore storm cannot keep one process alive forever. */
export const MAX_ROUNDS = 10_000;

/** Returns the number of rounds run. */
export async function runPrefetchLoop<Request>(steps: LoopSteps<Request>, maxRounds = MAX_ROUNDS): Promise<number> {
  let served: string | undefined;
  let rounds = 0;
  while (rounds < maxRounds) {
    const lock = await steps.acquire();
    if (!lock) return rounds;
    try {
      for (;;) {
        const request = await steps.readRequest();
        if (request === undefined || steps.keyOf(request) === served || rounds >= maxRounds) break;
        served = steps.keyOf(request);
        rounds++;
        await steps.round(request);
      }
    } finally {
      await lock.release();
    }
    const latest = await steps.readRequest();
    if (latest === undefined || steps.keyOf(latest) === served) return rounds;
  }
  return rounds;
}
