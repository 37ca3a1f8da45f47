// Stale temp cleanup: only our temp names whose writer process is gone are removed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempOwnerPid } from '../../../src/durable/durable-write.js';
import { isProcessAlive } from '../../../src/durable/process-alive.js';
import { sweepAbandonedTemps } from '../../../src/durable/temp-sweep.js';
import { listDir, SEGMENT } from '../../fixtures/archive/server.js';

/** The PID of a process that has already exited (and been reaped). */
function deadPid(): number {
  const done = spawnSync('true');
  if (done.pid === undefined) throw new Error('no pid');
  return done.pid;
}

const tempName = (pid: number | string, hex = '0a1b2c3d'): string => `.${SEGMENT}.${pid}.${hex}.walship-tmp`;

describe('sweepAbandonedTemps', () => {
  const sleepers: Array<ReturnType<typeof spawn>> = [];
  afterEach(() => {
    for (const child of sleepers.splice(0)) child.kill('SIGKILL');
  });

  it('removes temp files whose writer PID is dead and keeps those of live writers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-sweep-'));
    const sleeper = spawn('sleep', ['60']);
    sleepers.push(sleeper);
    const dead = deadPid();
    const live = sleeper.pid ?? 0;
    for (const name of [tempName(dead), tempName(live), tempName(process.pid)]) writeFileSync(join(dir, name), 'partial');

    expect(await sweepAbandonedTemps(dir)).toEqual([tempName(dead)]);
    expect(listDir(dir)).toEqual([tempName(live), tempName(process.pid)].sort());
  });

  it('never touches anything that is not one of our temp names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-sweep-'));
    const dead = deadPid();
    const untouchable = [
      SEGMENT, // a published WAL
      `${SEGMENT}.${dead}.0a1b2c3d.walship-tmp`, // not hidden: not ours
      `.${SEGMENT}.walship-tmp`, // no PID in it
      `.${SEGMENT}.notapid.0a1b2c3d.walship-tmp`,
      `.${SEGMENT}.${dead}.0a1b2c3d.tmp`, // someone else's temp
      `.${SEGMENT}.0.0a1b2c3d.walship-tmp`, // PID 0 is not a process
      '.barman-lock',
    ];
    for (const name of untouchable) writeFileSync(join(dir, name), 'x');
    expect(await sweepAbandonedTemps(dir)).toEqual([]);
    expect(listDir(dir)).toEqual([...untouchable].sort());
  });

  it('asks the given liveness check, so a PID owned by another user (EPERM) counts as alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-sweep-'));
    writeFileSync(join(dir, tempName(4242)), 'x');
    writeFileSync(join(dir, tempName(4343)), 'x');
    const asked: number[] = [];
    const removed = await sweepAbandonedTemps(dir, (pid) => {
      asked.push(pid);
      return pid === 4242;
    });
    expect(asked.sort()).toEqual([4242, 4343]);
    expect(removed).toEqual([tempName(4343)]);
    expect(listDir(dir)).toEqual([tempName(4242)]);
  });

  it('a temp file removed by a concurrent sweeper meanwhile is not an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-sweep-'));
    mkdirSync(join(dir, 'sub'));
    const name = tempName(deadPid());
    writeFileSync(join(dir, name), 'x');
    const [a, b] = await Promise.all([sweepAbandonedTemps(dir), sweepAbandonedTemps(dir)]);
    expect([...(a ?? []), ...(b ?? [])]).toEqual([name]);
    expect(listDir(dir)).toEqual(['sub']);
  });
});

describe('tempOwnerPid / isProcessAlive', () => {
  it('reads the writer PID out of `.<name>.<pid>.<hex>.walship-tmp`', () => {
    expect(tempOwnerPid(`.${SEGMENT}.1234.deadbeef.walship-tmp`)).toBe(1234);
    expect(tempOwnerPid('.00000002.history.99.deadbeef.walship-tmp')).toBe(99);
    expect(tempOwnerPid(SEGMENT)).toBeUndefined();
    expect(tempOwnerPid(`.${SEGMENT}.-5.deadbeef.walship-tmp`)).toBeUndefined();
  });

  it('says this process is alive and a reaped one is not', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(deadPid())).toBe(false);
  });
});
