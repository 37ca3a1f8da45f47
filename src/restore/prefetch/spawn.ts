// Starts the detached prefetch worker. The restore that spawns it returns to PostgreSQL at once:
// prefetching never delays the requested segment.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PrefetchJob } from './job.js';

/**
 * Resolved beside the running bundle: dist/bundle/restore.js spawns dist/bundle/prefetch-main.js
 * (scripts/bundle.mjs builds it from prefetch/main.ts under that name).
 */
const WORKER_SCRIPT = fileURLToPath(new URL('./prefetch-main.js', import.meta.url));

/**
 * Detached (own session, so PostgreSQL's signals to restore_command's group miss it), stdio ignored
 * (so the shell running restore_command does not wait for our pipes), unref'd (so we exit at once).
 */
export function spawnPrefetchWorker(job: PrefetchJob, env: NodeJS.ProcessEnv): void {
  const child = spawn(process.execPath, [WORKER_SCRIPT, JSON.stringify(job)], { detached: true, stdio: 'ignore', cwd: '/', env });
  child.on('error', () => undefined);
  child.unref();
}
