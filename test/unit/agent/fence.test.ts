// The fence is lines 1 and 3 of postmaster.pid, read strictly; the slot's pm holds "<pid> <start>".
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPmFile, parsePmFile, parsePostmasterPid, readFence, readSlotFence, sameFence } from '../../../src/agent/fence.js';

/** Captured from a PostgreSQL 15 started with pg_ctl (-k /tmp/agentpg, no TCP): note the padded status line. */
const PG15_POSTMASTER_PID = '13692\n/tmp/agentpg/d\n1795966064\n54999\n/tmp/agentpg\n\n  2330955     65580\nready   \n';

describe('fence', () => {
  it('reads pid and start epoch from a real PostgreSQL 15 postmaster.pid', () => {
    expect(parsePostmasterPid(PG15_POSTMASTER_PID)).toEqual({ pid: 13692, startEpoch: 1795966064, text: '13692 1795966064' });
  });

  it('reads a postmaster.pid still being written once line 3 is complete', () => {
    expect(parsePostmasterPid('42\n/data\n1700000000\n')?.text).toBe('42 1700000000');
    expect(parsePostmasterPid('42\n/data\n1700000000')).toBeUndefined();
    expect(parsePostmasterPid('42\n/data\n')).toBeUndefined();
    expect(parsePostmasterPid('')).toBeUndefined();
  });

  it('refuses odd spellings: a single-user backend’s negative pid, spaces, signs, zero, non-digits', () => {
    for (const text of ['-42\n/d\n1700000000\n', ' 42\n/d\n1700000000\n', '42 \n/d\n1700000000\n', '+42\n/d\n1700000000\n',
      '0\n/d\n1700000000\n', '042\n/d\n1700000000\n', '42\n/d\n17e8\n', '42\n/d\n\n', '42\r\n/d\r\n1700000000\r\n', '99999999999\n/d\n1\n']) {
      expect(parsePostmasterPid(text)).toBeUndefined();
    }
  });

  it('round-trips the pm line and refuses anything but one exact line', () => {
    const fence = parsePostmasterPid(PG15_POSTMASTER_PID)!;
    expect(formatPmFile(fence)).toBe('13692 1795966064\n');
    expect(parsePmFile(formatPmFile(fence))).toEqual(fence);
    for (const text of ['13692 1795966064', '13692  1795966064\n', '13692 1795966064\n\n', '13692\n', ' 13692 1795966064\n']) {
      expect(parsePmFile(text)).toBeUndefined();
    }
  });

  it('compares fences by both values, and never matches an absent one', () => {
    const a = parsePmFile('1 2\n');
    expect(sameFence(a, parsePmFile('1 2\n'))).toBe(true);
    expect(sameFence(a, parsePmFile('1 3\n'))).toBe(false);
    expect(sameFence(undefined, undefined)).toBe(false);
  });

  it('reads the data dir’s fence and the slot’s, absent when the files are', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walship-fence-'));
    expect(await readFence(dir)).toBeUndefined();
    expect(await readSlotFence(dir)).toBeUndefined();
    await writeFile(join(dir, 'postmaster.pid'), PG15_POSTMASTER_PID);
    await writeFile(join(dir, 'pm'), '13692 1795966064\n');
    expect(sameFence(await readFence(dir), await readSlotFence(dir))).toBe(true);
  });
});
