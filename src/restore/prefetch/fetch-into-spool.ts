// The prefetch worker's fetching step: one segment into the spool through temp → verify → rename,
// so a restore only ever finds complete, checked segments under a WAL name.

import { join } from 'node:path';
import { discardTemp, publishReplacing } from '../../durable/durable-write.js';
import { ForeignSegmentError } from '../../errors.js';
import { requireWalName, type WalName } from '../../wal/name.js';
import { fetchVerified } from '../fetch.js';
import type { PrefetchContext } from './job.js';
import { readPrefetchRequest } from './request.js';
import { isAhead } from './spool.js';

/** Has PostgreSQL already asked for this segment (or a later one) since it was planned? */
async function isConsumed(ctx: PrefetchContext, wal: WalName): Promise<boolean> {
  const latest = await readPrefetchRequest(ctx.spool);
  return latest !== undefined && !isAhead(wal, requireWalName(latest.walName));
}

/**
 * Fetches one segment into the spool; 'failed' (and a log line) when it could not, 'refused' (and a
 * log line naming both identifiers) when the archive's copy belongs to another cluster. A refusal is
 * not "absent": nothing is spooled, so the restore that asks for it meets the same copy and fails.
 */
export async function fetchIntoSpool(ctx: PrefetchContext, wal: WalName): Promise<'fetched' | 'skipped' | 'failed' | 'refused'> {
  try {
    // A restore may have fetched it directly while it waited its turn: do not spool it for nothing.
    if (await isConsumed(ctx, wal)) return 'skipped';
    // Only "not in the archive" is an absence; a file the archive has but cannot serve (corrupt,
    // a broken configuration) throws and is logged as the failure it is, with the remote's words.
    const result = await fetchVerified(ctx.transport, ctx.options, wal, join(ctx.spool.dir, wal.name), ctx.spool.systemIdentifier);
    if (result.kind === 'not-available') {
      ctx.log(`prefetch of ${wal.name}: not in the archive`);
      return 'failed';
    }
    try {
      await ctx.own?.remember(wal.name, result.temp.path);
      await publishReplacing(result.temp);
    } catch (error) {
      await discardTemp(result.temp);
      throw error;
    }
    return 'fetched';
  } catch (error) {
    if (error instanceof ForeignSegmentError) {
      ctx.log(`prefetch of ${wal.name} refused, not spooled: ${error.message}`);
      return 'refused';
    }
    ctx.log(`prefetch of ${wal.name} failed: ${(error as Error).message}`);
    return 'failed';
  }
}
