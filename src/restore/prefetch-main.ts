// Entry point of the detached prefetch worker: takes the namespace lock, runs prefetch rounds,
// and logs to <spool>/.prefetch.log (nobody reads its stderr).

import { createWriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { acquirePrefetchLock } from './prefetch-lock.js';
import { runPrefetchLoop } from './prefetch-loop.js';
import { readPrefetchRequest, requestKey } from './prefetch-request.js';
import { prefetchRound } from './prefetch.js';
import { cleanupTempsOnSignal } from './interrupt.js';
import { createTransport } from './remote.js';
import { parseWorkerJob } from './worker.js';

/** The log is for humans debugging a standby; cut it rather than let it grow without end. */
const LOG_LIMIT = 1024 * 1024;

async function main(): Promise<void> {
  const job = parseWorkerJob(process.argv[2]);
  const spool = { dir: job.spoolDir };
  const logPath = join(spool.dir, '.prefetch.log');
  if (((await stat(logPath).catch(() => undefined))?.size ?? 0) > LOG_LIMIT) await truncate(logPath, 0);
  const logStream = createWriteStream(logPath, { flags: 'a', mode: 0o600 });
  const log = (line: string): void => {
    logStream.write(`${new Date().toISOString()} [${process.pid}] ${line.trimEnd()}\n`);
  };
  cleanupTempsOnSignal(() => [spool.dir]);
  const transport = createTransport(job, logStream, process.env);
  try {
    await runPrefetchLoop({
      acquire: () => acquirePrefetchLock(spool.dir),
      readRequest: () => readPrefetchRequest(spool),
      keyOf: requestKey,
      round: async (request) => {
        const report = await prefetchRound({ transport, options: job, spool, log }, request);
        log(`after ${request.walName}: peeked ${report.peeked.length}, fetched ${report.fetched.join(' ') || 'none'}${report.failed.length > 0 ? `, failed ${report.failed.join(' ')}` : ''}, removed ${report.removed.length}`);
      },
    });
  } catch (error) {
    log(`prefetch worker failed: ${(error as Error).message}`);
  } finally {
    await transport.close();
    await new Promise<void>((resolve) => logStream.end(resolve));
  }
}

void main();
