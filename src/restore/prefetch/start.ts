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
import { openSpool, spoolNamespace, type Spool, type SpoolCluster } from './spool.js';

/** A spool opened for one recovering cluster: the worker it starts gets the same cluster. */
export type ClusterSpool = Spool & { readonly cluster: SpoolCluster; readonly systemIdentifier: bigint };

/**
 * An unusable spool never fails a restore, and is not used at all (issue 8, D1): the segment comes
 * from the archive, nothing is served from the spool and nothing is prefetched into it.
 * Without --spool-dir the spool is ~/.walship/spool (see walship-home.ts).
 */
export async function openSpoolOrWarn(options: RestoreOptions, cluster: SpoolCluster, io: CommandIO): Promise<ClusterSpool | undefined> {
  let spoolDir = options.spoolDir ?? '~/.walship/spool';
  try {
    spoolDir = options.spoolDir ?? walshipStateDir('spool');
    const spool = await openSpool(spoolDir, spoolNamespace(options, cluster));
    return { ...spool, cluster, systemIdentifier: cluster.systemIdentifier };
  } catch (error) {
    say(io, `WARNING: prefetch skipped: cannot use spool directory ${spoolDir}: ${(error as Error).message}; this call neither serves from it nor prefetches into it`);
    return undefined;
  }
}

/** Never throws: WAL_DEST is already delivered, so a prefetch problem is only a warning. */
export async function startPrefetch(options: RestoreOptions, spool: ClusterSpool, wal: WalName, segmentSize: number, io: CommandIO): Promise<void> {
  if (wal.kind !== 'segment') return;
  try {
    await writePrefetchRequest(spool, { walName: wal.name, segmentSize });
    if (await isLockLive(await readLockHolder(spool.dir))) return;
    spawnPrefetchWorker(prefetchJob(options, spool.dir, spool.cluster), io.env);
  } catch (error) {
    say(io, `WARNING: prefetch skipped: ${(error as Error).message}`);
  }
}
