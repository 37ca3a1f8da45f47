// Starts the detached prefetch worker. The restore that spawns it returns to PostgreSQL at once:
// prefetching never delays the requested segment.

import { spawn } from 'node:child_process';
import { entryInvocation } from '../../cli/entry-spawn.js';
import type { PrefetchJob } from './job.js';

/**
 * Detached (own session, so PostgreSQL's signals to restore_command's group miss it), stdio ignored
 * (so the shell running restore_command does not wait for our pipes), unref'd (so we exit at once).
 */
export function spawnPrefetchWorker(job: PrefetchJob, env: NodeJS.ProcessEnv): void {
  // dist/bundle/prefetch-main.js beside the running bundle, or `walship prefetch-main` (src/cli/entry-spawn.ts).
  const { command, args } = entryInvocation('prefetch-main', [JSON.stringify(job)]);
  const child = spawn(command, args, { detached: true, stdio: 'ignore', cwd: '/', env });
  child.on('error', () => undefined);
  child.unref();
}
