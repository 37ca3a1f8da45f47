// One agent per slot: agent.pid taken with link(2) by exactly one of many processes, and a holder
// that was killed, whose pid was reused, or that stopped its heartbeat is replaced.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, isHolderLive, parseLockText, readLockHolder, STALE_MS } from '../../../src/agent/lock.js';
import { procStartTime } from '../../../src/agent/proc-start.js';

/** The compiled module (npm run build; test:unit builds first): real processes import what ships. */
const LOCK_MODULE = new URL('../../../dist/agent/lock.js', import.meta.url).href;
/** A child that tries the lock, prints won/lost, and holds it until killed. */
const HOLDER = `const { acquireLock } = await import(${JSON.stringify(LOCK_MODULE)});
const lock = await acquireLock(process.argv[1]); console.log(lock ? 'won' : 'lost'); if (lock) setInterval(() => {}, 1000);`;
const startHolder = (path: string): ChildProcess =>
  spawn(process.execPath, ['--input-type=module', '-e', HOLDER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
const firstLine = async (child: ChildProcess): Promise<string> => String((await once(child.stdout!, 'data'))[0]).trim();

const DEAD_PID = 4_194_305; // beyond pid_max
let path = '';
beforeEach(async () => {
  path = join(await mkdtemp(join(tmpdir(), 'walship-agent-lock-')), 'agent.pid');
});

describe('agent lock', () => {
  it('writes "<pid> <proc-starttime>" and removes it on release', async () => {
    const lock = await acquireLock(path);
    expect(await readFile(path, 'utf8')).toBe(`${process.pid} ${await procStartTime(process.pid)}\n`);
    expect(await acquireLock(path)).toBeUndefined();
    await lock!.release();
    expect(await readLockHolder(path)).toBeUndefined();
  });

  it('parses only "<pid>" or "<pid> <starttime>"', () => {
    expect(parseLockText('12 345\n')).toEqual({ pid: 12, startTime: '345' });
    expect(parseLockText('12\n')).toEqual({ pid: 12, startTime: undefined });
    for (const text of ['', '0 1\n', '-1\n', '12  345\n', 'x\n', '12 345 6\n']) expect(parseLockText(text).pid).toBeUndefined();
  });

  it('lets exactly one of ten concurrent processes win', async () => {
    const children = Array.from({ length: 10 }, () => startHolder(path));
    try {
      const answers = await Promise.all(children.map(firstLine));
      expect(answers.filter((a) => a === 'won')).toHaveLength(1);
      const winner = children[answers.indexOf('won')]!;
      expect((await readLockHolder(path))?.pid).toBe(winner.pid);
      expect(await readdir(join(path, '..'))).toEqual(['agent.pid']); // no temp left by the losers
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
  });

  it('replaces a holder killed with -9', async () => {
    const holder = startHolder(path);
    expect(await firstLine(holder)).toBe('won');
    expect(await acquireLock(path)).toBeUndefined();
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const lock = await acquireLock(path);
    expect(lock).toBeDefined();
    expect((await readLockHolder(path))?.pid).toBe(process.pid);
    await lock!.release();
  });

  it('breaks a lock whose pid now belongs to another process (starttime differs)', async () => {
    await writeFile(path, `${process.ppid} 1\n`);
    expect(await isHolderLive(await readLockHolder(path))).toBe(false);
    const lock = await acquireLock(path);
    expect(lock).toBeDefined();
    await lock!.release();
  });

  it('breaks a lock whose heartbeat stopped, a dead pid and garbage', async () => {
    await writeFile(path, `${process.ppid} ${await procStartTime(process.ppid)}\n`);
    expect(await isHolderLive(await readLockHolder(path))).toBe(true);
    const old = new Date(Date.now() - STALE_MS - 5_000);
    await utimes(path, old, old);
    for (const content of [undefined, `${DEAD_PID} 5\n`, 'garbage']) {
      if (content !== undefined) await writeFile(path, content);
      const lock = await acquireLock(path);
      expect(lock).toBeDefined();
      await lock!.release();
    }
  });

  it('keeps the heartbeat going and reports a lock broken under it', async () => {
    let lost = false;
    const lock = await acquireLock(path, { heartbeatMs: 20, onLost: () => { lost = true; } });
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await readLockHolder(path))!.ageMs).toBeLessThan(10_000);
    await writeFile(path, `${process.ppid}\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lost).toBe(true);
    await lock!.release();
    expect((await readLockHolder(path))?.pid).toBe(process.ppid); // not ours any more: left alone
  });
});
