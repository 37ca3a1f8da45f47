// sweep: which markers, taken markers and temp files go, against a fake data directory.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { STALE_TEMP_MS, sweepSafeDir } from '../../../src/safe-dir/sweep.js';
import { entries, makeSafeDir, uid } from './helpers.js';

const [A, B, C, D] = ['000000010000000000000001', '000000010000000000000002', '000000010000000000000003', '000000010000000000000004'];

/** A data directory with WAL files in walDirName and their archive_status files. */
function pgdata(parent: string, walDirName: 'pg_wal' | 'pg_xlog', files: string[], status: Record<string, 'ready' | 'done'>): string {
  const data = join(parent, 'data');
  mkdirSync(join(data, walDirName, 'archive_status'), { recursive: true });
  for (const f of files) writeFileSync(join(data, walDirName, f), '');
  for (const [name, s] of Object.entries(status)) writeFileSync(join(data, walDirName, 'archive_status', `${name}.${s}`), '');
  return data;
}

function fill(dir: string, names: string[]): void {
  for (const n of names) writeFileSync(join(dir, n), '');
}

describe('sweep: markers PostgreSQL will never ask for', () => {
  it('removes a marker whose segment left pg_wal without a .ready, keeps the others', async () => {
    const { parent, dir } = makeSafeDir();
    // A: gone from pg_wal (recycled) → stale. B: still .ready → PostgreSQL will ask. C: in pg_wal, no status yet → keep.
    const data = pgdata(parent, 'pg_wal', [B, C], { [B]: 'ready' });
    fill(dir, [`${A}.done`, `${B}.done`, `${C}.done`]);
    const result = await sweepSafeDir({ dir, uid, pgdata: data, dryRun: false });
    expect(result.removed).toEqual([{ entry: `${A}.done`, reason: `${A} is no longer in ${join(data, 'pg_wal')}` }]);
    expect(entries(dir)).toEqual([`${B}.done`, `${C}.done`]);
  });

  it('keeps a marker with a .ready even when the segment file is gone', async () => {
    const { parent, dir } = makeSafeDir();
    const data = pgdata(parent, 'pg_wal', [], { [A]: 'ready' });
    fill(dir, [`${A}.done`]);
    expect((await sweepSafeDir({ dir, uid, pgdata: data, dryRun: false })).removed).toEqual([]);
    expect(entries(dir)).toEqual([`${A}.done`]);
  });

  it('removes taken markers and history markers once archive_status says .done', async () => {
    const { parent, dir } = makeSafeDir();
    const data = pgdata(parent, 'pg_wal', [A, '00000002.history'], { [A]: 'done', '00000002.history': 'done' });
    fill(dir, [`${A}.archived`, '00000002.history.done']);
    const result = await sweepSafeDir({ dir, uid, pgdata: data, dryRun: false });
    expect(result.removed.map((r) => r.entry)).toEqual([`${A}.archived`, '00000002.history.done']);
    expect(entries(dir)).toEqual([]);
  });

  it('reads pg_xlog on 9.x clusters', async () => {
    const { parent, dir } = makeSafeDir();
    const data = pgdata(parent, 'pg_xlog', [D], {});
    fill(dir, [`${C}.done`, `${D}.done`]);
    await sweepSafeDir({ dir, uid, pgdata: data, dryRun: false });
    expect(entries(dir)).toEqual([`${D}.done`]);
  });

  it('with --dry-run reports the same removals and removes nothing', async () => {
    const { parent, dir } = makeSafeDir();
    const data = pgdata(parent, 'pg_wal', [], {});
    fill(dir, [`${A}.done`, `${B}.archived`]);
    const result = await sweepSafeDir({ dir, uid, pgdata: data, dryRun: true });
    expect(result.removed.map((r) => r.entry)).toEqual([`${A}.done`, `${B}.archived`]);
    expect(entries(dir)).toEqual([`${A}.done`, `${B}.archived`]);
  });

  it('removes temp files older than five minutes, not fresh ones, and leaves foreign files alone', async () => {
    const { parent, dir } = makeSafeDir();
    const data = pgdata(parent, 'pg_wal', [], {});
    const stale = `.${A}.done.4242.0a0b0c0d.walship-tmp`;
    const fresh = `.${B}.done.4243.0a0b0c0d.walship-tmp`;
    fill(dir, [stale, fresh, 'README']);
    const old = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
    utimesSync(join(dir, stale), old, old);
    const result = await sweepSafeDir({ dir, uid, pgdata: data, dryRun: false });
    expect(result).toEqual({ removed: [{ entry: stale, reason: 'temp file left by an interrupted mark' }], unknown: ['README'] });
    expect(entries(dir)).toEqual([fresh, 'README']);
  });

  it('refuses a directory that is not a data directory', async () => {
    const { parent, dir } = makeSafeDir();
    await expect(sweepSafeDir({ dir, uid, pgdata: parent, dryRun: false })).rejects.toBeInstanceOf(UsageError);
  });
});
