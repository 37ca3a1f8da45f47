// An agent stops when its postmaster is gone (dead or reused pid) or after idleMs with nothing to do.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIdleTimer, isPostmasterAlive, watchPostmaster } from '../../../src/agent/liveness.js';
import { procStartEpoch } from '../../../src/agent/proc-start.js';
import type { Fence } from '../../../src/agent/fence.js';

const fenceOf = (pid: number, startEpoch: number): Fence => ({ pid, startEpoch, text: `${pid} ${startEpoch}` });

describe('postmaster liveness', () => {
  it('is alive for a running pid whose start time matches the fence', async () => {
    const started = Math.floor((await procStartEpoch(process.pid))!);
    expect(await isPostmasterAlive(fenceOf(process.pid, started))).toBe(true);
  });

  it('is gone for a dead pid, and for a live pid that started at another time (reuse)', async () => {
    expect(await isPostmasterAlive(fenceOf(4_194_305, 1))).toBe(false);
    const started = Math.floor((await procStartEpoch(process.pid))!);
    expect(await isPostmasterAlive(fenceOf(process.pid, started - 3600))).toBe(false);
    expect(await isPostmasterAlive(fenceOf(process.pid, started + 3600))).toBe(false);
  });

  it('watchPostmaster calls onGone once', async () => {
    let calls = 0;
    const stop = watchPostmaster(fenceOf(4_194_305, 1), () => calls++, 10);
    await new Promise((resolve) => setTimeout(resolve, 80));
    stop();
    expect(calls).toBe(1);
  });
});

describe('idle timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires after idleMs without activity, restarted by activity, never while work is in flight', () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const idle = createIdleTimer(1000, onIdle);
    vi.advanceTimersByTime(900);
    idle.activity();
    vi.advanceTimersByTime(900);
    const end = idle.begin();
    vi.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
    end();
    end(); // ending twice counts once
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    idle.activity();
    vi.advanceTimersByTime(5000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('stop() cancels it', () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    createIdleTimer(10, onIdle).stop();
    vi.advanceTimersByTime(100);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
