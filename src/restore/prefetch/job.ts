// What a restore hands the detached prefetch worker (one JSON argument), and what the worker's steps
// are given: the job's options, the transport, the spool and the log.

import type { Transport } from '../../transport/transport.js';
import type { RestoreOptions } from '../args.js';
import type { getWalArgs } from '../../transport/barman-command.js';
import type { OwnSegments } from './own-segments.js';
import type { Spool, SpoolCluster } from './spool.js';

/** The restore options the worker needs: get-wal's, the transport's and the window size. Listed once. */
const JOB_FIELDS = ['config', 'format', 'partial', 'serverName', 'jobs', 'transport', 'barmanHost', 'user', 'port', 'reuseConnection', 'endpointUrl', 'caFile'] as const;

/**
 * The worker runs with cwd `/`, where no pg_control is: the restore passes the recovering cluster's
 * system identifier (decimal, as JSON has no 64-bit integers) so no foreign segment is spooled, and
 * its data directory, which with the identifier names the spool namespace (spoolNamespace) and
 * tells the worker when recovery has ended. A restore without a readable pg_control starts no worker.
 */
export type PrefetchJob = Pick<RestoreOptions, (typeof JOB_FIELDS)[number]> & { spoolDir: string; systemIdentifier: string; dataDir: string };

/** What planning and fetching read from the job: get-wal's options and the window size. */
export type PrefetchOptions = Parameters<typeof getWalArgs>[0] & Pick<PrefetchJob, 'jobs'>;

export interface PrefetchContext {
  transport: Transport;
  options: PrefetchOptions;
  spool: Spool;
  log(line: string): void;
  /** What this worker published, to be swept when it stops idle (own-segments.ts). */
  own?: OwnSegments;
}

export function prefetchJob(options: RestoreOptions, spoolDir: string, cluster: SpoolCluster): PrefetchJob {
  const picked = Object.fromEntries(JOB_FIELDS.map((field) => [field, options[field]])) as Pick<RestoreOptions, (typeof JOB_FIELDS)[number]>;
  return { ...picked, spoolDir, systemIdentifier: cluster.systemIdentifier.toString(), dataDir: cluster.dataDir };
}

/** The job's cluster, the identifier as a number again. */
export const jobCluster = (job: PrefetchJob): SpoolCluster => ({ systemIdentifier: BigInt(job.systemIdentifier), dataDir: job.dataDir });

export function parsePrefetchJob(text: string | undefined): PrefetchJob {
  const job = JSON.parse(text ?? '') as PrefetchJob;
  const identifierOk = typeof job.systemIdentifier === 'string' && /^\d{1,20}$/.test(job.systemIdentifier);
  const dataDirOk = typeof job.dataDir === 'string' && job.dataDir.startsWith('/');
  if (typeof job.spoolDir !== 'string' || typeof job.serverName !== 'string' || typeof job.jobs !== 'number' || !identifierOk || !dataDirOk) {
    throw new Error('prefetch worker: malformed job');
  }
  return job;
}
