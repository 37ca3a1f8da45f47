// The --async agent's state in pg_wal/.walship/archive (README "--async"): its recorded errors
// (status/<name>.error, status/global.error, pgBackRest's format) and whether it runs (agent.pid
// held by a live process with a fresh heartbeat). It exits when idle, so "not running" is only a
// problem while WAL waits for it.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_PID_FILE, slotPath } from '../../agent/layout.js';
import { isHolderLive, readLockHolder } from '../../agent/lock.js';
import { listStatusNames, readStatus } from '../../agent/status-file.js';
import { problem, type Problem } from './problem.js';
import type { ReadyBacklog } from './ready.js';

const firstLine = (text: string): string => text.split('\n')[0] ?? '';

export async function checkAsyncAgent(dataDir: string, backlog: ReadyBacklog | undefined): Promise<Problem[]> {
  const slot = slotPath(dataDir, 'archive');
  if (lstatSync(slot, { throwIfNoEntry: false })?.isDirectory() !== true) return []; // --async never used here
  const problems: Problem[] = [];
  const names = await listStatusNames(slot).catch(() => []);
  for (const name of names) {
    const status = await readStatus(slot, name);
    const message = status.state === 'present' ? firstLine(status.value.message) : 'unreadable status file';
    const what = name === 'global' ? 'async agent' : `async agent, ${name}`;
    problems.push(problem('warning', `${what}: ${message} (PostgreSQL's own calls ship it meanwhile; agent.log in ${slot})`));
  }
  const holder = await readLockHolder(join(slot, AGENT_PID_FILE)).catch(() => undefined);
  if ((backlog?.count ?? 0) > 0 && holder !== undefined && !(await isHolderLive(holder))) {
    problems.push(problem('warning', `async agent (pid ${holder.pid ?? '?'}) is not running while ${backlog?.count} WAL file(s) wait; the next archive_command call restarts it`));
  }
  return problems;
}
