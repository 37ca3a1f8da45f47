// On exit the restore agent leaves no spooled segment behind; tmp/ keeps only live writers' temps.
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SlotRole } from '../../../src/agent/layout.js';
import { openSlot, type Slot } from '../../../src/agent/slot.js';
import { purgeSlotOnExit } from '../../../src/agent/purge.js';

const SEG = '000000010000000000000005';

async function newSlot(role: SlotRole): Promise<Slot> {
  const data = await mkdtemp(join(tmpdir(), 'walship-purge-'));
  await mkdir(join(data, 'pg_wal'));
  return (await openSlot(data, role, { create: true }))!;
}

describe('purge on exit', () => {
  it('empties ready/ and inflight/, removes our and dead writers’ temps, keeps a live writer’s', async () => {
    const slot = await newSlot('restore');
    await writeFile(join(slot.dir, 'ready', SEG), 'x');
    await writeFile(join(slot.dir, 'inflight', SEG), '');
    await writeFile(join(slot.dir, 'served', SEG), '');
    const ours = `.${SEG}.${process.pid}.aa.walship-tmp`;
    const dead = `.${SEG}.4194305.bb.walship-tmp`;
    const live = `.${SEG}.${process.ppid}.cc.walship-tmp`;
    for (const name of [ours, dead, live]) await writeFile(join(slot.dir, 'tmp', name), '');
    const removed = await purgeSlotOnExit(slot);
    expect(removed.sort()).toEqual([`inflight/${SEG}`, `ready/${SEG}`, `tmp/${dead}`, `tmp/${ours}`].sort());
    expect(await readdir(join(slot.dir, 'ready'))).toEqual([]);
    expect(await readdir(join(slot.dir, 'served'))).toEqual([SEG]); // the cursor's markers are the re-arm's job
    expect(await readdir(join(slot.dir, 'tmp'))).toEqual([live]);
  });

  it('leaves an archive slot’s acks and records alone', async () => {
    const slot = await newSlot('archive');
    await writeFile(join(slot.dir, 'shipped', SEG), '');
    await writeFile(join(slot.dir, 'ack', SEG), '');
    expect(await purgeSlotOnExit(slot)).toEqual([]);
    expect(await readdir(join(slot.dir, 'ack'))).toEqual([SEG]);
  });
});
