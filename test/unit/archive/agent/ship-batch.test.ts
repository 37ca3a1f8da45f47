// Barman 3.4 compatibility without a wedge (design §2.1), on a scripted transport: a refused batch
// is split; a refused single file is fetched back and compared; an ssh failure is global.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createStderrTail, type Lane } from '../../../../src/archive/agent/lanes.js';
import { shipBatch, type AgentContext } from '../../../../src/archive/agent/ship-batch.js';
import { parseArchiveArgs } from '../../../../src/archive/options.js';
import type { AgentLog } from '../../../../src/agent/log.js';
import type { Slot } from '../../../../src/agent/slot.js';
import { scriptedTransport, type Answer } from '../../../helpers/scripted-transport.js';
import { addReady, makeDataDir, segmentBytes, SYSID } from './fixture.js';

const [A, B] = ['01', '02'].map((n) => `0000000100000000000000${n}`) as [string, string];
const args = parseArchiveArgs(['--async', '--md5', 'backup', 'pg'], { stdout: process.stdout }, { walPathRequired: false })!;

function setup(slot: Slot, answer: (argv: readonly string[]) => Answer): { ctx: AgentContext; lane: Lane; calls: string[][]; lines: string[] } {
  const lines: string[] = [];
  const log: AgentLog = { write: async (level, message) => void lines.push(`${level}: ${message}`) };
  const inner = scriptedTransport(answer);
  // The scripted remote reads its whole stdin, as put-wal does.
  const transport = { ...inner, run: (argv: readonly string[]) => { const cmd = inner.run(argv); (cmd.stdin as PassThrough).resume(); return cmd; } };
  const lane: Lane = { index: 0, transport, stderr: createStderrTail(), controlPath: undefined };
  return { ctx: { slot, args, targetHash: 'aa'.repeat(32), systemId: SYSID, log }, lane, calls: inner.calls, lines };
}

const isPut = (argv: readonly string[]): boolean => argv.includes('put-wal');

describe('shipBatch', () => {
  it('acks every file of a stream the archive host answered 0', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, A);
    await addReady(dataDir, B);
    const { ctx, lane, calls } = setup(slot, () => ({ status: 0 }));
    expect(await shipBatch(ctx, lane, [A, B])).toEqual({ kind: 'acked', names: [A, B], failed: [] });
    expect(calls).toEqual([['put-wal', 'pg']]);
    expect((await readdir(join(slot.dir, 'ack'))).sort()).toEqual([A, B]);
  });

  it('splits a refused multi-file stream, acking nothing', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, A);
    await addReady(dataDir, B);
    const { ctx, lane } = setup(slot, () => ({ status: 1 }));
    expect(await shipBatch(ctx, lane, [A, B])).toEqual({ kind: 'split', names: [A, B] });
    expect(await readdir(join(slot.dir, 'ack'))).toEqual([]);
  });

  it('a refused single file whose archived copy has the same bytes is acked as already archived (verified)', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, A);
    const { ctx, lane, calls, lines } = setup(slot, (argv) => (isPut(argv) ? { status: 1 } : { status: 0, stdout: segmentBytes(A) }));
    expect(await shipBatch(ctx, lane, [A])).toEqual({ kind: 'acked', names: [A], failed: [] });
    expect(calls).toEqual([['put-wal', 'pg'], ['get-wal', 'pg', A]]);
    expect(await readdir(join(slot.dir, 'ack'))).toEqual([A]);
    expect(lines).toContain(`INFO: lane 0: ${A} already archived (verified)`);
  });

  it('a refused single file whose archived copy differs gets <name>.error and no ack', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, A);
    const { ctx, lane } = setup(slot, (argv) => (isPut(argv) ? { status: 1 } : { status: 0, stdout: segmentBytes(A, 0x01) }));
    expect(await shipBatch(ctx, lane, [A])).toEqual({ kind: 'failed', names: [A], global: false });
    expect(await readdir(join(slot.dir, 'ack'))).toEqual([]);
    expect(await readFile(join(slot.dir, 'status', `${A}.error`), 'utf8')).toMatch(/^1\n.*the archive holds different bytes under this name\n$/s);
  });

  it('an ssh failure is the archive host\'s, not the file\'s: global.error with status 3', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, A);
    const { ctx, lane } = setup(slot, () => ({ transportError: 'ssh to backup failed (exit 255)' }));
    expect(await shipBatch(ctx, lane, [A])).toEqual({ kind: 'failed', names: [A], global: true });
    expect(await readFile(join(slot.dir, 'status', 'global.error'), 'utf8')).toMatch(/^3\ncannot reach the archive host scripted: ssh to backup failed/);
  });

  it('never ships a file whose page header does not match its name', async () => {
    const { dataDir, slot } = await makeDataDir();
    await addReady(dataDir, A, segmentBytes(B));
    const { ctx, lane, calls } = setup(slot, () => ({ status: 0 }));
    expect(await shipBatch(ctx, lane, [A])).toEqual({ kind: 'failed', names: [A], global: false });
    expect(calls).toEqual([]);
    expect(await readFile(join(slot.dir, 'status', `${A}.error`), 'utf8')).toMatch(/^2\npg_wal\/.* is not shipped: page address/);
  });
});
