// issue 8 "keep what held up as permanent tests": walship-server put-wal SIGKILLed at a random byte
// offset of its stream, twelve times over one archive. After each kill the WAL name holds nothing
// or the full, byte-identical file; the retry (PostgreSQL re-running archive_command) exits 0,
// stores the exact bytes and leaves no temp file behind. put-wal-faults.test.ts has the two fixed
// kill points (mid-segment, before the end blocks) and the concurrent same-name cases
// (identical and different content); this loop spreads the kill over the whole stream.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, describeRun, run } from '../helpers/run.js';
import { leftovers, listDir, makeArchive } from '../fixtures/archive/server.js';
import { putWalStream } from '../fixtures/archive/tar.js';
import { makeSegment, MiB } from '../fixtures/restore/segments.js';

const ROUNDS = 12;
const SEGMENT_SIZE = 4 * MiB;
/** A pipe holds this much that the reader has not consumed yet. */
const PIPE_SLACK = 64 * 1024;

const nameOf = (round: number): string => `0000000100000000000000${(0x10 + round).toString(16).toUpperCase()}`;

/** Offsets spread over the stream: round i falls in the i-th twelfth; the last sends everything. */
const offsetFor = (round: number, length: number): number =>
  round === ROUNDS - 1 ? length : Math.floor(((round + Math.random()) / ROUNDS) * length);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Size of the temp file a put-wal writes for `name` (0 when there is none yet). */
function tempSize(incoming: string, name: string): number {
  const temp = leftovers(incoming).find((entry) => entry.startsWith(`.${name}.`));
  if (temp === undefined) return 0;
  try {
    return statSync(join(incoming, temp)).size;
  } catch {
    return 0;
  }
}

/** Starts put-wal, feeds it `offset` bytes of `stream` (ending stdin when that is all), then SIGKILLs it once it has read them. */
async function killAt(configPath: string, incoming: string, name: string, stream: Buffer, offset: number): Promise<string> {
  const child = spawn(binPath('walship-server'), ['-c', configPath, 'put-wal', 'pg'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  const exit = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve) => child.stdin.write(stream.subarray(0, offset), () => resolve()));
  if (offset === stream.length) child.stdin.end();
  // Let put-wal read what it was given (its temp file catches up to the data sent), at most 2 s.
  const dataSent = Math.min(Math.max(0, offset - 512), SEGMENT_SIZE);
  const deadline = Date.now() + 2_000;
  while (tempSize(incoming, name) < dataSent - PIPE_SLACK && Date.now() < deadline) await sleep(5);
  await sleep(randomInt(0, 30));
  child.kill('SIGKILL');
  await exit;
  return stderr;
}

describe('put-wal SIGKILLed at a random byte offset, twelve times', () => {
  it('each kill leaves nothing under the WAL name or the full identical file; each retry exits 0, stores the exact bytes and leaves no temp', async () => {
    const archive = makeArchive('walship-kill-loop-');
    const stored: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const name = nameOf(round);
      const wal = makeSegment(name, { size: SEGMENT_SIZE });
      const stream = putWalStream([[name, wal]]);
      const offset = offsetFor(round, stream.length);
      const where = `round ${round}: killed after ${offset} of ${stream.length} bytes`;
      const stderr = await killAt(archive.configPath, archive.incoming, name, stream, offset);

      const published = listDir(archive.incoming).filter((entry) => !leftovers(archive.incoming).includes(entry));
      expect(published.filter((entry) => !stored.includes(entry) && entry !== name), `${where}: no other name appears\n${stderr}`).toEqual([]);
      if (published.includes(name)) expect(readFileSync(join(archive.incoming, name)).equals(wal), `${where}: a full, byte-identical file`).toBe(true);

      const retry = await run([binPath('walship-server'), '-c', archive.configPath, 'put-wal', 'pg'], { input: stream });
      expect(retry.code, `${where}\n${describeRun(retry)}`).toBe(0);
      expect(readFileSync(join(archive.incoming, name)).equals(wal), where).toBe(true);
      expect(leftovers(archive.incoming), `${where}: no temp file survives the retry`).toEqual([]);
      stored.push(name);
      expect(listDir(archive.incoming), where).toEqual([...stored].sort());
    }
    // Earlier rounds' files were never touched by later kills.
    for (const [round, name] of stored.entries()) {
      expect(readFileSync(join(archive.incoming, name)).equals(makeSegment(nameOf(round), { size: SEGMENT_SIZE })), name).toBe(true);
    }
    expect(listDir(archive.errors)).toEqual([]);
  });
});
