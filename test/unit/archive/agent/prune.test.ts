// Pruning the archive slot: errors of files PostgreSQL no longer waits for go, and the global one
// (archive host unreachable) goes once nothing is waiting at all, whatever order lanes wrote it in.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeStatus } from '../../../../src/agent/status-file.js';
import { pruneSlot } from '../../../../src/archive/agent/prune.js';
import { makeDataDir } from './fixture.js';

const SEG = '000000010000000000000003';
const statusFiles = async (dir: string): Promise<string[]> => (await readdir(join(dir, 'status'))).sort();

describe('pruneSlot', () => {
  it('keeps the global error while a segment is still .ready, with that segment\'s own error', async () => {
    const { slot } = await makeDataDir();
    await writeStatus(slot.dir, 'global', { code: 3, message: 'archive host unreachable' });
    await writeStatus(slot.dir, SEG, { code: 1, message: 'refused' });
    await pruneSlot(slot, { ready: new Set([SEG]), done: [] });
    expect(await statusFiles(slot.dir)).toEqual([`${SEG}.error`, 'global.error']);
  });

  it('removes a global error written after the last success once nothing is .ready (regression: a late lane failure stuck after catch-up)', async () => {
    const { slot } = await makeDataDir();
    await writeStatus(slot.dir, 'global', { code: 3, message: 'archive host unreachable' });
    await writeStatus(slot.dir, SEG, { code: 1, message: 'refused' });
    await pruneSlot(slot, { ready: new Set(), done: [SEG] });
    expect(await statusFiles(slot.dir)).toEqual([]);
  });
});
