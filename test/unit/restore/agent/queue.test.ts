// The restore agent's queue against a local archive (1 MiB segments): it follows served/ markers,
// fills ready/ up to the byte bound, refills as segments are taken, and a new served timeline
// drops everything of the old one.
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Slot } from '../../../../src/agent/slot.js';
import { writeMarker } from '../../../../src/restore/agent/markers.js';
import { RestoreQueue } from '../../../../src/restore/agent/queue.js';
import { serverMain } from '../../../../src/server/cli.js';
import { localTransport } from '../../../../src/transport/local.js';
import { makeLocalArchive, type LocalArchive } from '../../../fixtures/restore/archive.js';
import { MiB } from '../../../fixtures/restore/segments.js';
import { makeDataDir, SYSID } from './data-dir.js';

const name = (tli: number, seg: number): string => `0000000${tli}000000000000000${seg.toString(16).toUpperCase()}`;
let archive: LocalArchive;
let slot: Slot;
let queue: RestoreQueue;
const log: string[] = [];

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log.join('\n')}`);
    queue.poke();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
const ready = async (): Promise<string[]> => (await readdir(join(slot.dir, 'ready'))).sort();

beforeEach(async () => {
  archive = await makeLocalArchive();
  for (let seg = 1; seg <= 15; seg++) await archive.store(name(1, seg), { size: MiB });
  slot = (await makeDataDir()).slot;
  log.length = 0;
  queue = new RestoreQueue({
    slot,
    transport: localTransport(new PassThrough(), {}, async () => serverMain),
    options: { config: archive.configPath, format: 'plain', partial: false, serverName: 'pg', jobs: 2 },
    queueMax: 3 * MiB,
    sysid: SYSID,
    log: (line) => log.push(line),
    activity: () => undefined,
    begin: () => () => undefined,
  });
});
afterEach(async () => queue.stop());

describe('RestoreQueue', () => {
  it('does nothing before the first served/ marker', async () => {
    queue.poke();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ready()).toEqual([]);
  });

  it('keeps the next segments after the cursor, at most --queue-max bytes, and refills as they are served', async () => {
    writeMarker(slot, 'served', name(1, 1));
    await until(async () => (await ready()).length === 3, 'three ready');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ready()).toEqual([name(1, 2), name(1, 3), name(1, 4)]); // 3 MiB, never a fourth
    // PostgreSQL takes 2 (as the fast path does: mv, then served/).
    await unlink(join(slot.dir, 'ready', name(1, 2)));
    writeMarker(slot, 'served', name(1, 2));
    await until(async () => (await ready()).includes(name(1, 5)), 'refill');
    expect(await ready()).toEqual([name(1, 3), name(1, 4), name(1, 5)]);
    expect(await readdir(join(slot.dir, 'inflight'))).toEqual([]);
  });

  it('a segment a Node call asked for is dropped from ready/ and not fetched again', async () => {
    writeMarker(slot, 'served', name(1, 1));
    await until(async () => (await ready()).length === 3, 'three ready');
    writeMarker(slot, 'asked', name(1, 3)); // PostgreSQL is at 3 now: 2 and 3 are no use
    await until(async () => !(await ready()).includes(name(1, 2)), 'drop');
    await until(async () => (await ready()).length === 3, 'refill past the asked segment');
    expect(await ready()).toEqual([name(1, 4), name(1, 5), name(1, 6)]);
  });

  it('a new served timeline drops the old timeline from ready/ and follows the new one', async () => {
    for (let seg = 6; seg <= 10; seg++) await archive.store(name(2, seg), { size: MiB });
    writeMarker(slot, 'served', name(1, 4));
    await until(async () => (await ready()).length === 3, 'three ready on timeline 1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeMarker(slot, 'asked', name(2, 5)); // a probe of the new timeline that missed: no switch
    queue.poke();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await ready()).toEqual([name(1, 5), name(1, 6), name(1, 7)]);
    writeMarker(slot, 'served', name(2, 6));
    await until(async () => (await ready()).every((n) => n.startsWith('00000002')) && (await ready()).length === 3, 'timeline 2');
    expect(await ready()).toEqual([name(2, 7), name(2, 8), name(2, 9)]);
  });
});

describe('RestoreQueue free-space guard', () => {
  it('pauses with global.error when pg_wal lacks room, and clears it once there is room', async () => {
    const { hasRoomFor, pausedMessage } = await import('../../../../src/restore/agent/space-guard.js');
    expect(hasRoomFor(48 * MiB, 16 * MiB, 0)).toBe(true);
    expect(hasRoomFor(48 * MiB, 16 * MiB, 1)).toBe(false);
    expect(pausedMessage(40 * MiB)).toMatch(/^spool paused: 40 MiB free on pg_wal/);
  });
});
