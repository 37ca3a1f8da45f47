// What a restore hands the detached prefetch worker (one JSON argument), and what the worker's steps
// are given: the job's options, the transport, the spool and the log.

import type { Transport } from '../../transport/transport.js';
import type { RestoreOptions } from '../args.js';
import type { getWalArgs } from '../../transport/barman-command.js';
import type { Spool } from './spool.js';

/** The restore options the worker needs: get-wal's, the transport's and the window size. Listed once. */
const JOB_FIELDS = ['config', 'format', 'partial', 'serverName', 'jobs', 'transport', 'barmanHost', 'user', 'port', 'reuseConnection'] as const;

export type PrefetchJob = Pick<RestoreOptions, (typeof JOB_FIELDS)[number]> & { spoolDir: string };

/** What planning and fetching read from the job: get-wal's options and the window size. */
export type PrefetchOptions = Parameters<typeof getWalArgs>[0] & Pick<PrefetchJob, 'jobs'>;

export interface PrefetchContext {
  transport: Transport;
  options: PrefetchOptions;
  spool: Spool;
  log(line: string): void;
}

export function prefetchJob(options: RestoreOptions, spoolDir: string): PrefetchJob {
  const picked = Object.fromEntries(JOB_FIELDS.map((field) => [field, options[field]])) as Pick<RestoreOptions, (typeof JOB_FIELDS)[number]>;
  return { ...picked, spoolDir };
}

export function parsePrefetchJob(text: string | undefined): PrefetchJob {
  const job = JSON.parse(text ?? '') as PrefetchJob;
  if (typeof job.spoolDir !== 'string' || typeof job.serverName !== 'string' || typeof job.jobs !== 'number') {
    throw new Error('prefetch worker: malformed job');
  }
  return job;
}
