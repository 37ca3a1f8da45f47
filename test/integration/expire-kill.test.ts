// issue 12 "Must show": kill -9 during expire, then check reports no gap in what is kept. A synthetic
// archive in Barman's layout (wals/<hash>/, valid headers, sparse 16 MiB files) is big enough that
// expire is still removing when it is killed; removal goes labels first, then oldest segment first,
// so what survives is a contiguous run and the oldest kept label stays the floor.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { binPath, run } from '../helpers/run.js';
import { ensureDir, nameOf, writeBackupLabel, writeSegment } from '../fixtures/check/synthetic.js';

const SEGMENTS = 30_000;
const KEPT_FROM = 25_000;

function makeArchive(): { config: string; wals: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'walship-expire-kill-'));
  const wals = ensureDir(join(dir, 'home', 'pg', 'wals'));
  ensureDir(join(dir, 'home', 'pg', 'incoming'));
  writeFileSync(join(dir, 'barman.conf'), `[barman]\nbarman_home = ${dir}/home\n\n[pg]\ndescription = kill test\n`);
  for (let segno = 1; segno <= SEGMENTS; segno++) writeSegment(ensureDir(join(wals, nameOf(1, segno).slice(0, 16))), { timeline: 1, segno });
  writeBackupLabel(ensureDir(join(wals, nameOf(1, 1).slice(0, 16))), 1, 1, '2024-01-01 00:00:00 UTC');
  writeBackupLabel(ensureDir(join(wals, nameOf(1, KEPT_FROM).slice(0, 16))), 1, KEPT_FROM, '2024-02-01 00:00:00 UTC');
  return { config: join(dir, 'barman.conf'), wals, log: join(dir, 'home', 'pg', 'walship-expire.log') };
}

const removedLines = (log: string): number => (readFileSync(log, 'utf8').match(/ removed /g) ?? []).length;

/** Starts expire and SIGKILLs it once its log shows it removing; resolves with how it ended. */
function expireKilledMidway(config: string, log: string): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [binPath('walship-server'), '-c', config, 'expire', '--keep', '1', 'pg'], { stdio: 'ignore' });
  const timer = setInterval(() => {
    try {
      if (removedLines(log) >= 200) child.kill('SIGKILL');
    } catch {
      // no log yet
    }
  }, 2);
  return new Promise((resolve) => child.on('exit', (_code, signal) => (clearInterval(timer), resolve(signal))));
}

const segmentsLeft = (wals: string): string[] =>
  readdirSync(wals).flatMap((dir) => readdirSync(join(wals, dir)).filter((name) => /^[0-9A-F]{24}$/.test(name))).sort();

it('kill -9 during expire leaves no gap in what is kept, and the next expire finishes the job', async () => {
  const { config, wals, log } = makeArchive();
  const signal = await expireKilledMidway(config, log);
  expect(signal).toBe('SIGKILL');
  const text = readFileSync(log, 'utf8');
  expect(text).toMatch(/ begin server=pg keep=1 cut=/);
  expect(text).not.toMatch(/ end server=pg/);
  const left = segmentsLeft(wals);
  // Some segments before the cut removed, some not: the kill landed mid-removal.
  expect(left.length).toBeLessThan(SEGMENTS);
  expect(left.length).toBeGreaterThan(SEGMENTS - KEPT_FROM + 1);
  // What is left is one contiguous run up to the newest segment: oldest went first.
  const first = SEGMENTS - left.length + 1;
  expect(left).toEqual(Array.from({ length: left.length }, (_, i) => nameOf(1, first + i)));

  const after = await run([binPath('walship-server'), '-c', config, 'check', '--json', 'pg']);
  expect(after.code, after.stdout.toString() + after.stderr).toBe(0);
  expect((JSON.parse(after.stdout.toString()) as { servers: { gaps: unknown[] }[] }).servers[0]?.gaps).toEqual([]);

  const again = await run([binPath('walship-server'), '-c', config, 'expire', '--keep', '1', 'pg'], { timeoutMs: 120_000 });
  expect(again.code, again.stderr).toBe(0);
  expect(segmentsLeft(wals)).toHaveLength(SEGMENTS - KEPT_FROM + 1);
  expect(readdirSync(wals)).not.toContain(nameOf(1, 1).slice(0, 16)); // emptied hash directories are gone
  expect((await run([binPath('walship-server'), '-c', config, 'check', '--nagios', 'pg'])).code).toBe(0);
}, 300_000);
