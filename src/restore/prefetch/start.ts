// Glue between a finished restore and the prefetch worker: open the spool (or warn and go without),
// leave the request, and start a worker unless a live one already holds the namespace lock.

import { say, type CommandIO } from '../../cli/io.js';
import { walshipStateDir } from '../../durable/walship-home.js';
import type { WalName } from '../../wal/name.js';
import type { RestoreOptions } from '../args.js';
import { prefetchJob } from './job.js';
import { isLockLive, readLockHolder } from './lock.js';
import { writePrefetchRequest } from './request.js';
import { spawnPrefetchWorker } from './spawn.js';
import { openSpool, spoolNamespace, type Spool } from './spool.js';

/**
 * An unusable spool never fails a restore, and is not used at all (issue 8, D1): the segment comes
 * from the archive, nothing is served from the spool and nothing is prefetched into it.
 * Without --spool-dir the spool is ~/.walship/spool (see walship-home.ts).
 */
export async function openSpoolOrWarn(options: RestoreOptions, io: CommandIO): Promise<Spool | undefined> {
  let spoolDir = options.spoolDir ?? '~/.walship/spool';
  try {
    spoolDir = options.spoolDir ?? walshipStateDir('spool');
    return await openSpool(spoolDir, spoolNamespace(options));
  } catch (error) {
    say(io, `WARNING: prefetch skipped: cannot use spool directory ${spoolDir}: ${(error as Error).message}; this call neither serves from it nor prefetches into it`);
    return undefined;
  }
}

/** Never throws: WAL_DEST is already delivered, so a prefetch problem is only a warning. */
export async function startPrefetch(options: RestoreOptions, spool: Spool, wal: WalName, segmentSize: number, io: CommandIO): Promise<void> {
  if (wal.kind !== 'segment') return;
  try {
    await writePrefetchRequest(spool, { walName: wal.name, segmentSize });
    if (await isLockLive(await readLockHolder(spool.dir))) return;
    spawnPrefetchWorker(prefetchJob(options, spool.dir, spool.systemIdentifier), io.env);
  } catch (error) {
    say(io, `WARNING: prefetch skipped: ${(error as Error).message}`);
  }
}
