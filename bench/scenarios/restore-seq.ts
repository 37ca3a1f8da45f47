// (c) restore_command called as the startup process calls it during recovery: `%f` the next
// segment, `%p` = pg_wal/RECOVERYXLOG, cwd = a data dir holding the cluster's pg_control,
// standby.signal and a live postmaster.pid (the async fast path's fence), one call after another.

import { rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDataDir } from '../fixture/datadir.js';
import { startFakePostmaster } from '../fixture/postmaster.js';
import { isAlive, pollUntil, sampleAgentHwm } from '../fixture/proc.js';
import { SEGMENT_BYTES } from '../fixture/source.js';
import type { Tool } from '../tools/types.js';
import type { SeqInput } from './archive-seq.js';
import type { SeqResult } from './types.js';

export async function runRestoreSeq(tools: Tool[], input: Omit<SeqInput, 'staging'>): Promise<SeqResult[]> {
  const results: SeqResult[] = [];
  for (const tool of tools) {
    input.log(`(c) restore: ${tool.label}`);
    results.push(await restoreWith(tool, input));
  }
  return results;
}

async function restoreWith(tool: Tool, input: Omit<SeqInput, 'staging'>): Promise<SeqResult> {
  const { caller } = input;
  await tool.reset();
  const dataDir = await makeDataDir({ dir: join(input.work, `c-${tool.id}`), owner: caller.user, pgControl: input.pgControl, signals: ['standby.signal'] });
  const postmaster = await startFakePostmaster(dataDir, caller.user);
  const command = tool.command(dataDir);
  const dest = join(dataDir, 'pg_wal', 'RECOVERYXLOG');
  const result: SeqResult = { tool, calls: [], wallMs: 0 };
  let hwm: number | undefined;
  try {
    const started = Date.now();
    for (const name of input.names) {
      const r = await caller.call(command, dataDir, { p: 'pg_wal/RECOVERYXLOG', f: name });
      result.calls.push(r.ms);
      const size = await stat(dest).then((s) => s.size, () => -1);
      if (r.code !== 0 || size !== SEGMENT_BYTES) {
        return { ...result, error: `${name}: exit ${r.code}, ${size} bytes: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
      }
      await unlink(dest); // PostgreSQL reads it and removes it before asking for the next one
      hwm = await sampleAgentHwm(tool, dataDir, hwm);
    }
    result.wallMs = Date.now() - started;
    return { ...result, ...(hwm === undefined ? {} : { agentHwmKb: hwm }) };
  } finally {
    postmaster.stop();
    const pid = await tool.agentPid?.(dataDir);
    if (pid !== undefined) await pollUntil(() => !isAlive(pid), 10_000, 100);
    await rm(dataDir, { recursive: true, force: true });
  }
}
