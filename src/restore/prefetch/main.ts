// Entry point of the detached prefetch worker: takes the namespace lock, runs the prefetch pipeline,
// and logs to <spool>/.prefetch.log (nobody reads its stderr).

import { createWriteStream, existsSync } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { runWorker } from '../../cli/run-main.js';
import { setTimeout as delay } from 'node:timers/promises';
import { requireWalName } from '../../wal/name.js';
import { cleanupTempsOnSignal } from '../interrupt.js';
import { loadServerMain } from '../../server/in-process.js';
import { transportFromOptions } from '../../transport/select.js';
import { POSTMASTER_PID_FILE } from '../../agent/layout.js';
import { isRecovering } from '../agent/recovery-state.js';
import { fetchIntoSpool } from './fetch-into-spool.js';
import { ownSegments } from './own-segments.js';
import { jobCluster, parsePrefetchJob } from './job.js';
import { acquirePrefetchLock } from './lock.js';
import { PIPELINE_LIMITS, runPrefetchPipeline } from './loop.js';
import { needsPlan, planPrefetch } from './plan.js';
import { readPrefetchRequest, requestKey } from './request.js';
import { recheckSpool, spoolNamespace } from './spool.js';

/**
 * Recovery in the data directory has ended (no standby.signal / recovery.signal) or its postmaster
 * is gone (no postmaster.pid): nobody will ask for what is spooled, so an idle worker need not wait.
 */
const recoveryOver = (dataDir: string): boolean => !isRecovering(dataDir) || !existsSync(join(dataDir, POSTMASTER_PID_FILE));

/** The log is for humans debugging a standby; cut it rather than let it grow without end. */
const LOG_LIMIT = 1024 * 1024;

async function main(): Promise<void> {
  const job = parsePrefetchJob(process.argv[2]);
  // The restore checked the spool before starting us; check again before writing anything there.
  const cluster = jobCluster(job);
  const spool = { ...(await recheckSpool(job.spoolDir, spoolNamespace(job, cluster))), systemIdentifier: cluster.systemIdentifier };
  const logPath = join(spool.dir, '.prefetch.log');
  if (((await stat(logPath).catch(() => undefined))?.size ?? 0) > LOG_LIMIT) await truncate(logPath, 0);
  const logStream = createWriteStream(logPath, { flags: 'a', mode: 0o600 });
  const log = (line: string): void => {
    logStream.write(`${new Date().toISOString()} [${process.pid}] ${line.trimEnd()}\n`);
  };
  cleanupTempsOnSignal(() => [spool.dir]);
  const transport = transportFromOptions(job, logStream, process.env, loadServerMain);
  const own = ownSegments(spool.dir);
  const ctx = { transport, options: job, spool, log, own };
  try {
    const report = await runPrefetchPipeline(
      {
        acquire: () => acquirePrefetchLock(spool.dir),
        readRequest: () => readPrefetchRequest(spool),
        keyOf: requestKey,
        needsPlan: (request, inflight) => needsPlan(ctx, request, inflight),
        plan: async (request) => {
          const plan = await planPrefetch(ctx, request);
          log(`after ${request.walName}: peeked ${plan.peeked.length}, to fetch ${plan.wanted.map((wal) => wal.name).join(' ') || 'none'}, removed ${plan.removed.length}`);
          return plan.wanted.map((wal) => wal.name);
        },
        fetch: async (name) => {
          if ((await fetchIntoSpool(ctx, requireWalName(name))) === 'fetched') log(`fetched ${name}`);
        },
        sleep: delay,
        now: Date.now,
        lingers: async () => !recoveryOver(cluster.dataDir) && (await own.unclaimed()).length > 0,
        sweep: async () => {
          const removed = await own.sweep();
          if (removed.length > 0) log(`idle: removed ${removed.length} spooled segments nobody claimed: ${removed.join(' ')}`);
        },
      },
      { jobs: job.jobs, ...PIPELINE_LIMITS },
    );
    log(`worker done: ${report.plans} plans, ${report.fetches} fetches`);
  } catch (error) {
    log(`prefetch worker failed: ${(error as Error).message}`);
  } finally {
    await transport.close();
    await new Promise<void>((resolve) => logStream.end(resolve));
  }
}

runWorker(main);
