// A few uploads in flight at once, never more: one put-wal stream may carry a whole backlog, and
// sending its segments one after another pays the store's latency once per segment, while sending
// them all at once holds every decoded segment in memory and queues past the client's sockets.

/**
 * Runs `task` over `items` with at most `limit` running. After the first failure no new task starts;
 * the running ones are waited for (nothing is left going on behind the caller's answer), then the
 * first failure is thrown. Resolves with the results in `items`' order.
 */
export async function runBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
