// The agent is started detached, in the data dir, with its output appended to agent.log.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/durable/process-alive.js';
import { spawnAgent } from '../../../src/agent/spawn.js';

const waitFor = async (check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
};

describe('spawnAgent', () => {
  it('runs the entry with its args, cwd = data dir, stdout and stderr appended to the log, in its own session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walship-spawn-'));
    const entry = join(dir, 'entry.mjs');
    await writeFile(entry, "import { execSync } from 'node:child_process';\n" +
      "console.log(JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2), sid: execSync(`ps -o sid= -p ${process.pid}`).toString().trim() }));\n" +
      "console.error('to stderr');\n");
    const logPath = join(dir, 'agent.log');
    await writeFile(logPath, 'before\n');
    const pid = await spawnAgent({ entry: { script: entry }, args: ['archive', '--async', 'x'], dataDir: dir, logPath });
    expect(pid).toBeGreaterThan(0);
    await waitFor(async () => !isProcessAlive(pid) && (await readFile(logPath, 'utf8')).includes('to stderr'));
    const [before, json, err] = (await readFile(logPath, 'utf8')).trim().split('\n');
    expect(before).toBe('before');
    const seen = JSON.parse(json!) as { cwd: string; args: string[]; sid: string };
    expect(seen).toEqual({ cwd: dir, args: ['archive', '--async', 'x'], sid: String(pid) });
    expect(err).toBe('to stderr');
  });
});
