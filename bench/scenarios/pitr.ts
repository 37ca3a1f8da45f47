// (d) A real point-in-time recovery per tool: a copy of the base backup, recovery.signal, the
// tool's restore_command and recovery_target_time (≥ 30 segments of pgbench WAL before it), timed
// from starting postgres to accepting connections after the promotion (hot_standby=off, so
// "accepting" means recovery is over, as `pg_ctl start -w` would wait for).

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgres } from '../../test/helpers/postgres.js';
import { writeOwnedFile } from '../../test/helpers/files.js';
import type { SystemUser } from '../../test/helpers/users.js';
import { copyTree } from '../fixture/datadir.js';
import { sampleAgentHwm, sleep } from '../fixture/proc.js';
import type { Tool } from '../tools/types.js';
import type { PitrResult } from './types.js';

export interface PitrInput {
  work: string;
  backupDir: string;
  targetTime: string;
  segments: number;
  owner: SystemUser;
  log: (line: string) => void;
}

export async function runPitr(tools: Tool[], input: PitrInput): Promise<PitrResult[]> {
  const results: PitrResult[] = [];
  for (const tool of tools) {
    input.log(`(d) PITR: ${tool.label}`);
    results.push(await recoverWith(tool, input));
  }
  return results;
}

async function recoverWith(tool: Tool, input: PitrInput): Promise<PitrResult> {
  await tool.reset();
  const dataDir = join(input.work, `d-${tool.id}`);
  await copyTree(input.backupDir, dataDir);
  await writeOwnedFile(join(dataDir, 'recovery.signal'), '', input.owner, 0o600);
  let hwm: number | undefined;
  let recovering = true;
  const watcher = (async () => {
    while (recovering) {
      hwm = await sampleAgentHwm(tool, dataDir, hwm);
      await sleep(250);
    }
  })();
  const started = process.hrtime.bigint();
  try {
    const pg = await startPostgres({
      dataDir, readyTimeoutMs: 900_000,
      settings: {
        restore_command: tool.command(dataDir), recovery_target_time: input.targetTime, recovery_target_action: 'promote',
        hot_standby: 'off', archive_mode: 'off',
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    recovering = false;
    await pg.stop('immediate');
    return { tool, seconds, segments: input.segments, ...(hwm === undefined ? {} : { agentHwmKb: hwm }) };
  } catch (e) {
    return { tool, segments: input.segments, error: summarize(e) };
  } finally {
    recovering = false;
    await watcher;
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The server log's FATAL/ERROR lines (the helper's error carries its tail), else the first lines. */
function summarize(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e)).split('\n');
  const telling = lines.filter((l) => /FATAL|PANIC|ERROR|recovery ended|could not/.test(l)).map((l) => l.replace(/^.*UTC \[\d+\] /, ''));
  return (telling.length > 0 ? telling.slice(-4) : lines.slice(0, 4)).join(' | ');
}
