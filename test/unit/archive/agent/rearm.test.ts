// Re-arm voids the last incarnation and re-acks, without any transport, what shipped/ says is archived.
import { lstat, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ackPath, acknowledgeShipped, describeWalFile } from '../../../../src/archive/agent/acknowledge.js';
import { rearmArchive } from '../../../../src/archive/agent/rearm.js';
import { parsePmFile } from '../../../../src/agent/fence.js';
import { writeShippedRecord } from '../../../../src/agent/shipped-record.js';
import type { AgentLog } from '../../../../src/agent/log.js';
import { addReady, makeDataDir, segmentBytes } from './fixture.js';

const [A, B, C, D] = ['01', '02', '03', '04'].map((n) => `0000000100000000000000${n}`) as [string, string, string, string];
const HASH = 'cd'.repeat(32);
const OTHER = 'ef'.repeat(32);
const lines: string[] = [];
const log: AgentLog = { write: async (level, message) => void lines.push(`${level}: ${message}`) };
const fence = parsePmFile('4242 1700000000\n')!;

describe('rearmArchive', () => {
  it('re-links acks whose record matches, leaves the rest to be shipped, and wipes the old incarnation', async () => {
    const { dataDir, slot } = await makeDataDir();
    for (const name of [A, B, C, D]) await addReady(dataDir, name);
    await acknowledgeShipped(slot, await describeWalFile(slot, A), HASH); // A: recorded and acked before
    await writeShippedRecord(slot.dir, B, { ...(await describeWalFile(slot, B)), targetHash: HASH }); // B: recorded, ack lost
    await writeShippedRecord(slot.dir, C, { ...(await describeWalFile(slot, C)), targetHash: OTHER }); // C: another target
    await writeShippedRecord(slot.dir, D, { ...(await describeWalFile(slot, D)), targetHash: HASH });
    await writeFile(join(dataDir, 'pg_wal', D), segmentBytes(D, 0x01)); // D: bytes changed since
    await writeFile(join(slot.dir, 'want', C), '');

    const report = await rearmArchive(slot, { fence, key: '--async h pg', targetHash: HASH }, [A, B, C, D], log);
    expect(report).toEqual({ relinked: [A, B], stale: [D] });
    expect((await readdir(join(slot.dir, 'ack'))).sort()).toEqual([A, B]);
    expect((await lstat(ackPath(slot, B))).ino).toBe((await lstat(join(dataDir, 'pg_wal', B))).ino);
    expect(await readdir(join(slot.dir, 'want'))).toEqual([]);
  });
});
