// `sweep`: removes markers PostgreSQL will never ask for again, and temp files a crashed `mark` left.

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, UsageError } from '../errors.js';
import { fsyncDir } from '../durable/durable-write.js';
import { pathExists } from '../durable/file-exists.js';
import { isOlderThan } from '../durable/temp-sweep.js';
import { classifyEntry, requireSafeDir } from './safe-dir.js';

export interface SweepInput {
  dir: string;
  uid: number;
  pgdata: string;
  dryRun: boolean;
  now?: () => number;
}

export interface SweepRemoval {
  entry: string;
  reason: string;
}

export interface SweepResult {
  removed: SweepRemoval[];
  /** Files that are neither markers nor walship temp files: left alone, reported. */
  unknown: string[];
}

/** A temp file this old cannot belong to a running `mark` (it writes a few bytes, then renames). */
export const STALE_TEMP_MS = 5 * 60_000;

/** pg_wal since PostgreSQL 10, pg_xlog before (the 9.2/9.3 clusters this recipe is for). */
async function findWalDir(pgdata: string): Promise<string> {
  for (const name of ['pg_wal', 'pg_xlog']) {
    if (await pathExists(join(pgdata, name, 'archive_status'))) return join(pgdata, name);
  }
  throw new UsageError(`${pgdata} has neither pg_wal/archive_status nor pg_xlog/archive_status`, { hint: 'pass the PostgreSQL data directory as --pgdata' });
}

/**
 * Why a marker (taken or not) for `wal` is no longer needed, or undefined to keep it. PostgreSQL
 * asks archive_command only for names with an archive_status/.ready file; without one, the name
 * is done when the segment has left pg_wal, or when archive_status already says `.done` (history
 * files stay in pg_wal for good).
 */
async function obsoleteReason(walDir: string, wal: string): Promise<string | undefined> {
  if (await pathExists(join(walDir, 'archive_status', `${wal}.ready`))) return undefined;
  if (!(await pathExists(join(walDir, wal)))) return `${wal} is no longer in ${walDir}`;
  if (await pathExists(join(walDir, 'archive_status', `${wal}.done`))) return `PostgreSQL has recorded ${wal} as archived`;
  return undefined;
}

async function staleTempReason(path: string, now: number): Promise<string | undefined> {
  return (await isOlderThan(path, STALE_TEMP_MS, now)) ? 'temp file left by an interrupted mark' : undefined;
}

export async function sweepSafeDir(input: SweepInput): Promise<SweepResult> {
  await requireSafeDir(input.dir, input.uid);
  const walDir = await findWalDir(input.pgdata);
  const now = (input.now ?? Date.now)();
  const result: SweepResult = { removed: [], unknown: [] };
  for (const entry of (await readdir(input.dir)).sort()) {
    const item = classifyEntry(entry);
    if (item.kind === 'unknown') {
      result.unknown.push(entry);
      continue;
    }
    const reason = item.kind === 'temp' ? await staleTempReason(join(input.dir, entry), now) : await obsoleteReason(walDir, item.wal.name);
    if (reason === undefined) continue;
    if (!input.dryRun) {
      await unlink(join(input.dir, entry)).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error;
      });
    }
    result.removed.push({ entry, reason });
  }
  if (!input.dryRun && result.removed.length > 0) await fsyncDir(input.dir);
  return result;
}
