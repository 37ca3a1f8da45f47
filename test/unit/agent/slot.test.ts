// Slots are opened only when every directory is a real one, ours and 0700; re-arm voids one incarnation.
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AgentSlotUnusableError } from '../../../src/errors.js';
import { parsePmFile } from '../../../src/agent/fence.js';
import { emptySlotDir, openSlot, readSlotTarget, rearmSlot } from '../../../src/agent/slot.js';

const SEG = '000000010000000000000001';
const NOBODY = 65534;
let data = '';
let state = '';
beforeEach(async () => {
  data = await mkdtemp(join(tmpdir(), 'walship-slot-'));
  await mkdir(join(data, 'pg_wal'), { mode: 0o700 });
  state = join(data, 'pg_wal', '.walship');
});

describe('slot', () => {
  it('creates the state dir, VERSION and the role skeleton, all 0700, and opens it again', async () => {
    const slot = await openSlot(data, 'archive', { create: true });
    expect(slot?.dir).toBe(join(state, 'archive'));
    expect(await readFile(join(state, 'VERSION'), 'utf8')).toBe('1\n');
    expect((await readdir(slot!.dir)).sort()).toEqual(['ack', 'shipped', 'status', 'tmp', 'want']);
    expect((await lstat(join(slot!.dir, 'ack'))).mode & 0o777).toBe(0o700);
    expect(await openSlot(data, 'archive', { create: false })).toEqual(slot);
    expect(await openSlot(data, 'restore', { create: false })).toBeUndefined();
    const restore = await openSlot(data, 'restore', { create: true });
    expect((await readdir(restore!.dir)).sort()).toEqual(['asked', 'inflight', 'ready', 'served', 'status', 'tmp']);
  });

  it('follows a symlinked pg_wal (initdb -X) but nothing below it', async () => {
    const other = await mkdtemp(join(tmpdir(), 'walship-slot-x-'));
    await mkdir(join(other, 'data'));
    await symlink(join(data, 'pg_wal'), join(other, 'data', 'pg_wal'));
    expect(await openSlot(join(other, 'data'), 'archive', { create: true })).toBeDefined();
  });

  it('refuses a symlinked .walship, even one pointing at a good directory', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'walship-slot-y-'));
    await symlink(elsewhere, state);
    await expect(openSlot(data, 'archive', { create: true })).rejects.toThrow(AgentSlotUnusableError);
    await expect(openSlot(data, 'archive', { create: false })).rejects.toThrow(/is a symbolic link/);
  });

  it('refuses a symlinked role dir or subdir', async () => {
    const slot = await openSlot(data, 'archive', { create: true });
    await rm(join(slot!.dir, 'ack'), { recursive: true });
    await symlink('/tmp', join(slot!.dir, 'ack'));
    await expect(openSlot(data, 'archive', { create: true })).rejects.toThrow(AgentSlotUnusableError);
  });

  it.runIf(process.getuid?.() === 0)('refuses a .walship owned by another user', async () => {
    await mkdir(state, { mode: 0o700 });
    await chown(state, NOBODY, NOBODY);
    await expect(openSlot(data, 'archive', { create: true })).rejects.toThrow(/owned by uid 65534/);
  });

  it('refuses a slot open to others, a file in its place, and another layout version', async () => {
    await mkdir(state, { mode: 0o700 });
    await chmod(state, 0o755);
    await expect(openSlot(data, 'archive', { create: true })).rejects.toThrow(/mode 755/);
    await chmod(state, 0o700);
    await writeFile(join(state, 'VERSION'), '2\n');
    await expect(openSlot(data, 'archive', { create: true })).rejects.toThrow(/layout version "2"/);
    await writeFile(join(state, 'VERSION'), '1\n');
    await writeFile(join(state, 'restore'), '');
    await expect(openSlot(data, 'restore', { create: true })).rejects.toThrow(/not a directory/);
  });

  it('re-arm wipes ack/, want/ and status/, keeps shipped/, then writes target and pm', async () => {
    const slot = (await openSlot(data, 'archive', { create: true }))!;
    for (const dir of ['ack', 'want', 'status', 'shipped']) await writeFile(join(slot.dir, dir, SEG), '');
    await symlink('/etc/passwd', join(slot.dir, 'ack', '000000010000000000000002'));
    await writeFile(join(slot.dir, 'tmp', `.${SEG}.4194305.ab.walship-tmp`), ''); // a dead writer's
    await writeFile(join(slot.dir, 'tmp', `.${SEG}.${process.pid}.ab.walship-tmp`), ''); // a live one's
    const fence = parsePmFile('123 1700000000\n')!;
    await rearmSlot(slot, fence, '--async backup pg');
    for (const dir of ['ack', 'want', 'status']) expect(await readdir(join(slot.dir, dir))).toEqual([]);
    expect(await readdir(join(slot.dir, 'shipped'))).toEqual([SEG]);
    expect(await readdir(join(slot.dir, 'tmp'))).toEqual([`.${SEG}.${process.pid}.ab.walship-tmp`]);
    expect(await readFile('/etc/passwd', 'utf8')).not.toBe(''); // the link went, not its target
    expect(await readFile(join(slot.dir, 'pm'), 'utf8')).toBe('123 1700000000\n');
    expect(await readSlotTarget(slot)).toEqual({ state: 'present', value: '--async backup pg' });
  });

  it('re-arm of a restore slot wipes the spool and its markers', async () => {
    const slot = (await openSlot(data, 'restore', { create: true }))!;
    for (const dir of ['ready', 'inflight', 'asked', 'served', 'status']) await writeFile(join(slot.dir, dir, SEG), '');
    await rearmSlot(slot, parsePmFile('1 2\n')!, undefined);
    for (const dir of ['ready', 'inflight', 'asked', 'served', 'status']) expect(await readdir(join(slot.dir, dir))).toEqual([]);
    expect(await readSlotTarget(slot)).toEqual({ state: 'present', value: '' }); // no key: sh never matches
    expect(await emptySlotDir(slot, 'ready')).toEqual([]);
  });
});
