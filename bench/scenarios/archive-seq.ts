// (a) archive_command called as PostgreSQL's archiver calls it: one segment at a time, oldest
// first, `.ready` → `.done` after each 0. Async tools then get a second pass over segments their
// agent has acknowledged: what a call costs once the agent is ahead (the sh fast path).

import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Caller } from '../call.js';
import { BENCH_ENV } from '../env.js';
import { makeDataDir } from '../fixture/datadir.js';
import { startFakePostmaster } from '../fixture/postmaster.js';
import { isAlive, pollUntil, readVmHwmKb } from '../fixture/proc.js';
import type { Tool } from '../tools/types.js';
import type { SeqResult } from './types.js';

export interface SeqInput {
  caller: Caller;
  work: string;
  pgControl: string;
  staging: string;
  names: string[];
  log: (line: string) => void;
}

export async function runArchiveSeq(tools: Tool[], input: SeqInput): Promise<SeqResult[]> {
  const results: SeqResult[] = [];
  for (const tool of tools) {
    input.log(`(a) archive: ${tool.label}`);
    results.push(await archiveWith(tool, input));
  }
  return results;
}

async function archiveWith(tool: Tool, input: SeqInput): Promise<SeqResult> {
  const result: SeqResult = { tool, calls: [], wallMs: 0 };
  const error = await withDataDir(tool, input, 'a', async (dataDir, command) => {
    const started = Date.now();
    for (const name of input.names) {
      const r = await input.caller.call(command, dataDir, { p: `pg_wal/${name}`, f: name });
      result.calls.push(r.ms);
      if (r.code !== 0) return `${name}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
      await rename(statusPath(dataDir, name, 'ready'), statusPath(dataDir, name, 'done'));
    }
    result.wallMs = Date.now() - started;
    return undefined;
  });
  if (error !== undefined || tool.allAcked === undefined) return { ...result, ...(error === undefined ? {} : { error }) };
  // The fast path: a fresh data dir and archive, one untimed call starts the agent, and once every
  // segment is acknowledged each is called again (no .done, as when PostgreSQL lags behind the agent).
  const fastPath: number[] = [];
  const fastError = await withDataDir(tool, input, 'a2', async (dataDir, command) => {
    const first = input.names[0] as string;
    await input.caller.call(command, dataDir, { p: `pg_wal/${first}`, f: first });
    const acked = await pollUntil(() => tool.allAcked?.(dataDir, input.names) ?? true, 120_000, 100);
    if (!acked) return 'not every segment acknowledged within 120 s';
    for (const name of input.names) {
      const r = await input.caller.call(command, dataDir, { p: `pg_wal/${name}`, f: name });
      if (r.code !== 0) return `fast path ${name}: exit ${r.code}: ${r.stderr.trim()}`;
      fastPath.push(r.ms);
    }
    const pid = await tool.agentPid?.(dataDir);
    if (pid !== undefined) result.agentHwmKb = await readVmHwmKb(pid);
    return undefined;
  });
  return { ...result, fastPath, ...(fastError === undefined ? {} : { error: fastError }) };
}

const statusPath = (dataDir: string, name: string, suffix: string): string => join(dataDir, 'pg_wal', 'archive_status', `${name}.${suffix}`);

/** An empty archive, a data dir with every segment .ready and a live stand-in postmaster around body. */
async function withDataDir(tool: Tool, input: SeqInput, tag: string, body: (dataDir: string, command: string) => Promise<string | undefined>): Promise<string | undefined> {
  await tool.reset();
  const dataDir = await makeDataDir({
    dir: join(input.work, `${tag}-${tool.id}`), owner: input.caller.user, pgControl: input.pgControl, segments: { dir: input.staging, names: input.names },
  });
  const postmaster = await startFakePostmaster(dataDir, input.caller.user);
  try {
    return await body(dataDir, tool.command(dataDir));
  } finally {
    postmaster.stop();
    const pid = await tool.agentPid?.(dataDir);
    if (pid !== undefined) await pollUntil(() => !isAlive(pid), 10_000, 100); // the agent follows its postmaster
    if (!BENCH_ENV.keep) await rm(dataDir, { recursive: true, force: true });
  }
}
