// The publish gate on real files: only a wanted, complete, same-cluster segment reaches ready/,
// and a fetch that finishes after PostgreSQL's request moved on is discarded (issue 9's race).
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTempFile } from '../../../../src/durable/durable-write.js';
import { writeMarker } from '../../../../src/restore/agent/markers.js';
import { publishFetched } from '../../../../src/restore/agent/publish.js';
import { requireWalName } from '../../../../src/wal/name.js';
import { makeSegment, MiB } from '../../../fixtures/restore/segments.js';
import { makeDataDir, SYSID } from './data-dir.js';

const N5 = '000000010000000000000005';
const N6 = '000000010000000000000006';

async function fetchedSix(options: { sysid?: bigint } = {}) {
  const { slot } = await makeDataDir();
  writeMarker(slot, 'served', N5);
  writeMarker(slot, 'inflight', N6);
  const temp = await writeTempFile(join(slot.dir, 'tmp', N6), makeSegment(N6, { size: MiB, ...(options.sysid ? { systemIdentifier: options.sysid } : {}) }));
  return { slot, temp, publish: (aborted = false) => publishFetched({ slot, wal: requireWalName(N6), temp, isAborted: () => aborted, segmentSize: MiB, sysid: SYSID }) };
}
const ls = async (dir: string) => (await readdir(dir)).sort();

describe('publishFetched', () => {
  it('renames a checked segment into ready/ (0600), then removes its inflight/ marker', async () => {
    const { slot, publish } = await fetchedSix();
    expect(await publish()).toBeUndefined();
    expect(await ls(join(slot.dir, 'ready'))).toEqual([N6]);
    expect(await ls(join(slot.dir, 'inflight'))).toEqual([]);
    expect(await ls(join(slot.dir, 'tmp'))).toEqual([]);
  });

  it('late-publish race: asked/<name> written while the fetch ran → discarded, nothing in ready/', async () => {
    const { slot, publish } = await fetchedSix();
    writeMarker(slot, 'asked', N6); // a Node call gave up waiting and fetches it itself
    expect(await publish()).toMatch(/no longer wanted/);
    expect(await ls(join(slot.dir, 'ready'))).toEqual([]);
    expect(await ls(join(slot.dir, 'tmp'))).toEqual([]);
    expect(await ls(join(slot.dir, 'inflight'))).toEqual([]);
  });

  it('late-publish race: PostgreSQL was served a later segment meanwhile → discarded', async () => {
    const { slot, publish } = await fetchedSix();
    await new Promise((resolve) => setTimeout(resolve, 10)); // a later mtime
    writeMarker(slot, 'served', '000000010000000000000007');
    expect(await publish()).toMatch(/no longer wanted/);
    expect(await ls(join(slot.dir, 'ready'))).toEqual([]);
  });

  it('an aborted fetch whose bytes still arrived is discarded', async () => {
    const { slot, publish } = await fetchedSix();
    expect(await publish(true)).toMatch(/aborted/);
    expect(await ls(join(slot.dir, 'ready'))).toEqual([]);
  });

  it('a segment of another cluster (system identifier) is discarded', async () => {
    const { slot, publish } = await fetchedSix({ sysid: 99n });
    expect(await publish()).toMatch(/system identifier 99/);
    expect(await ls(join(slot.dir, 'ready'))).toEqual([]);
  });

  it('a truncated temp (header fine, bytes short) is discarded', async () => {
    const { slot, temp, publish } = await fetchedSix();
    await writeFile(temp.path, makeSegment(N6, { size: MiB }).subarray(0, MiB / 2));
    expect(await publish()).toMatch(/bytes/);
    expect(await ls(join(slot.dir, 'ready'))).toEqual([]);
  });
});
