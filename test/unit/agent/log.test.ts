// agent.log: one timestamped line per event, in order, rotated to agent.log.1 past the limit.
import { mkdtemp, readFile, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgentLog } from '../../../src/agent/log.js';

const now = (): Date => new Date('2026-01-02T03:04:05.000Z');

describe('agent log', () => {
  it('appends lines in order, indenting continuation lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walship-log-'));
    const log = createAgentLog(dir, { now });
    void log.write('INFO', 'one');
    await log.write('ERROR', 'two\nthree');
    expect(await readFile(join(dir, 'agent.log'), 'utf8')).toBe(
      `2026-01-02T03:04:05.000Z ${process.pid} INFO: one\n2026-01-02T03:04:05.000Z ${process.pid} ERROR: two\n  three\n`);
  });

  it('rotates to agent.log.1 once the log reaches the limit, replacing the older one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walship-log-'));
    const log = createAgentLog(dir, { now, rotateBytes: 100 });
    for (let i = 0; i < 10; i++) await log.write('INFO', `line ${i} ${'x'.repeat(30)}`);
    expect((await readdir(dir)).sort()).toEqual(['agent.log', 'agent.log.1']);
    const current = await readFile(join(dir, 'agent.log'), 'utf8');
    expect(current.length).toBeLessThan(200);
    expect(current).toContain('line 9');
    expect(await readFile(join(dir, 'agent.log.1'), 'utf8')).not.toContain('line 0');
  });

  it('never writes through a planted symlink, and never throws', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walship-log-'));
    const target = join(dir, 'elsewhere');
    await symlink(target, join(dir, 'agent.log'));
    await createAgentLog(dir).write('INFO', 'x');
    expect(await readdir(dir)).not.toContain('elsewhere');
  });
});
