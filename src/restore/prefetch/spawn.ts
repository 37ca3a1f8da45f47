// Starts the detached prefetch worker after a delivery, and what it needs to know. The restore
// that spawned it has already returned to PostgreSQL: prefetching never delays the requested segment.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RestoreOptions } from '../args.js';

export type WorkerJob = Pick<
  RestoreOptions,
  'config' | 'format' | 'partial' | 'serverName' | 'jobs' | 'transport' | 'barmanHost' | 'user' | 'port' | 'reuseConnection'
> & { spoolDir: string };

const WORKER_SCRIPT = fileURLToPath(new URL('./prefetch-main.js', import.meta.url));

/**
 * Detached (own session, so PostgreSQL's signals to restore_command's group miss it), stdio ignored
 * (so the shell running restore_command does not wait for our pipes), unref'd (so we exit at once).
 */
export function spawnPrefetchWorker(job: WorkerJob, env: NodeJS.ProcessEnv): void {
  const child = spawn(process.execPath, [WORKER_SCRIPT, JSON.stringify(job)], { detached: true, stdio: 'ignore', cwd: '/', env });
  child.on('error', () => undefined);
  child.unref();
}

export function parseWorkerJob(text: string | undefined): WorkerJob {
  const job = JSON.parse(text ?? '') as WorkerJob;
  if (typeof job.spoolDir !== 'string' || typeof job.serverName !== 'string' || typeof job.jobs !== 'number') {
    throw new Error('prefetch worker: malformed job');
  }
  return job;
}
