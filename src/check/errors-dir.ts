// errors/ entries since a given time: a different duplicate kept aside by put-wal (SPEC §4), or a
// file Barman's archiver refused. Older entries were seen before; only recent ones raise a WARNING.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import type { CheckOptions } from './options.js';
import { listSome, type Finding, type ServerMetrics } from './report.js';

export function checkErrorsDirectory(dir: string, options: CheckOptions, metrics: ServerMetrics): Finding {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') entries = [];
    else return { part: 'errors', status: 'unknown', message: `cannot list ${dir}: ${(error as Error).message}` };
  }
  const recent = entries.filter((name) => !name.startsWith('.') && (statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0) >= options.errorsSince);
  metrics.errors = recent.length;
  const since = new Date(options.errorsSince).toISOString();
  if (recent.length === 0) return { part: 'errors', status: 'ok', message: `none since ${since}` };
  return { part: 'errors', status: 'warning', message: `${recent.length} new in ${dir} since ${since}: ${listSome(recent.sort(), 2)}` };
}
