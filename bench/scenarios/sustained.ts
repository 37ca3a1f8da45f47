// (b) Sustained load: per tool, a fresh copy of the bench's cluster archiving with the tool's
// archive_command while pgbench writes as fast as it can. Sampled once a second: WAL written
// (pg_current_wal_lsn), segments archived (pg_stat_archiver), the .ready backlog, the agent's VmHWM.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgres } from '../../test/helpers/postgres.js';
import type { Pg } from '../../test/helpers/postgres.js';
import { copyTree } from '../fixture/datadir.js';
import { sampleAgentHwm, sleep } from '../fixture/proc.js';
import { SEGMENT_BYTES } from '../fixture/source.js';
import type { Tool } from '../tools/types.js';
import type { SustainedResult } from './types.js';

export interface SustainedInput {
  work: string;
  /** A stopped cluster with pgbench tables, copied for each tool. */
  template: string;
  seconds: number;
  drainSeconds: number;
  log: (line: string) => void;
}

const MB = 1024 * 1024;

export async function runSustained(tools: Tool[], input: SustainedInput): Promise<SustainedResult[]> {
  const results: SustainedResult[] = [];
  for (const tool of tools) {
    input.log(`(b) sustained ${input.seconds} s: ${tool.label}`);
    results.push(await sustain(tool, input).catch((e: unknown) => ({
      tool, seconds: input.seconds, writtenMBps: 0, archivedMBps: 0, peakReady: 0, finalReady: 0, failedCount: 0,
      error: e instanceof Error ? e.message.split('\n').slice(0, 3).join(' | ') : String(e),
    })));
  }
  return results;
}

const readyCount = async (dataDir: string): Promise<number> =>
  (await readdir(join(dataDir, 'pg_wal', 'archive_status'))).filter((n) => n.endsWith('.ready')).length;

interface Sample { lsn: number; archived: number; failed: number }

async function sample(pg: Pg): Promise<Sample> {
  const row = await pg.psql("select pg_current_wal_lsn() - '0/0'::pg_lsn, archived_count, failed_count from pg_stat_archiver");
  const [lsn, archived, failed] = row.split('|').map(Number);
  return { lsn: lsn ?? 0, archived: archived ?? 0, failed: failed ?? 0 };
}

async function sustain(tool: Tool, input: SustainedInput): Promise<SustainedResult> {
  await tool.reset();
  const dataDir = join(input.work, `b-${tool.id}`);
  await copyTree(input.template, dataDir);
  const pg = await startPostgres({
    dataDir,
    settings: { archive_mode: 'on', archive_command: tool.command(dataDir), max_wal_size: '4GB', synchronous_commit: 'off' },
  });
  let peakReady = 0;
  let hwm: number | undefined;
  const watch = async (): Promise<number> => {
    const ready = await readyCount(dataDir);
    peakReady = Math.max(peakReady, ready);
    hwm = await sampleAgentHwm(tool, dataDir, hwm);
    return ready;
  };
  try {
    const before = await sample(pg);
    let running = true;
    const bench = pg.pgbench(['-N', '-c', '4', '-j', '2', '-T', String(input.seconds)]).finally(() => { running = false; });
    while (running) {
      await watch();
      await sleep(1000);
    }
    const r = await bench;
    const after = await sample(pg);
    const finalReady = await watch();
    const drainStart = Date.now();
    let drained = finalReady === 0;
    while (!drained && Date.now() - drainStart < input.drainSeconds * 1000) {
      await sleep(500);
      drained = (await watch()) === 0;
    }
    const tps = /tps = ([\d.]+)/.exec(r.stdout.toString('utf8'))?.[1];
    return {
      tool, seconds: input.seconds,
      writtenMBps: (after.lsn - before.lsn) / MB / input.seconds,
      archivedMBps: ((after.archived - before.archived) * SEGMENT_BYTES) / MB / input.seconds,
      peakReady, finalReady, failedCount: after.failed - before.failed,
      ...(drained ? { drainSeconds: (Date.now() - drainStart) / 1000 } : {}),
      ...(tps === undefined ? {} : { tps: Number(tps) }),
      ...(hwm === undefined ? {} : { agentHwmKb: hwm }),
      ...(r.code === 0 ? {} : { error: `pgbench exit ${r.code}: ${r.stderr.slice(-300)}` }),
    };
  } finally {
    await pg.stop('immediate'); // a fast shutdown would make the archiver work through the whole backlog
    await sleep(1500); // agents notice their postmaster is gone within a second
    await rm(dataDir, { recursive: true, force: true });
  }
}
