// The backlog PostgreSQL keeps for archive_command: pg_wal/archive_status/<name>.ready, one per WAL
// file not yet archived, created when the file was completed. The oldest .ready's age is how far
// archiving lags; their number is how much pg_wal holds because of it.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatAge } from '../../cli/duration-option.js';
import { errnoCode } from '../../errors.js';
import { archiveStatusPath } from '../agent/scan.js';
import { problem, type Problem } from './problem.js';

export interface ReadyBacklog {
  readonly count: number;
  readonly oldestName: string | undefined;
  readonly oldestAgeSeconds: number | undefined;
}

export function readReadyBacklog(dataDir: string, now: number): ReadyBacklog {
  const dir = archiveStatusPath(dataDir);
  let oldest: { name: string; mtimeMs: number } | undefined;
  let count = 0;
  for (const entry of readdirSync(dir).filter((name) => name.endsWith('.ready'))) {
    const info = statSync(join(dir, entry), { throwIfNoEntry: false });
    if (info === undefined) continue; // archived meanwhile: renamed to .done
    count++;
    if (oldest === undefined || info.mtimeMs < oldest.mtimeMs) oldest = { name: entry.slice(0, -'.ready'.length), mtimeMs: info.mtimeMs };
  }
  return { count, oldestName: oldest?.name, oldestAgeSeconds: oldest === undefined ? undefined : Math.max(0, (now - oldest.mtimeMs) / 1000) };
}

export function judgeReadyBacklog(dataDir: string, now: number, warning: number, critical: number): { backlog: ReadyBacklog | undefined; problems: Problem[] } {
  let backlog: ReadyBacklog;
  try {
    backlog = readReadyBacklog(dataDir, now);
  } catch (error) {
    const hint = errnoCode(error) === 'ENOENT' ? ' (is -D the data directory?)' : '';
    return { backlog: undefined, problems: [problem('unknown', `cannot read the .ready backlog in ${dataDir}/pg_wal/archive_status: ${(error as Error).message}${hint}`)] };
  }
  const age = backlog.oldestAgeSeconds;
  if (age === undefined || age < warning) return { backlog, problems: [] };
  const status = age >= critical ? 'critical' : 'warning';
  return { backlog, problems: [problem(status, `${backlog.count} WAL file(s) wait for archive_command, the oldest (${backlog.oldestName}) for ${formatAge(age)}`)] };
}
