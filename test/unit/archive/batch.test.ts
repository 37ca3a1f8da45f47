// walship-archive --batch: a backlog of ready segments rides in one put-wal stream, and the later
// calls for those segments answer from durable records, never from a guess.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readyBacklog } from '../../../src/archive/backlog.js';
import { archiveMain } from '../../../src/archive/cli.js';
import { requireWalName, segmentFileName } from '../../../src/wal/name.js';
import { filledSegment } from '../../fixtures/restore/segments.js';

const names = [1, 2, 3, 4, 5].map((seg) => segmentFileName(1, 0, seg));

/** A pg_wal with five segments of distinct bytes, all marked .ready, and an archive for server pg. */
function setup(): { root: string; pgWal: string; incoming: string; config: string; records: string } {
  const root = mkdtempSync(join(tmpdir(), 'walship-batch-'));
  const pgWal = join(root, 'pg_wal');
  mkdirSync(join(pgWal, 'archive_status'), { recursive: true });
  names.forEach((name, i) => {
    writeFileSync(join(pgWal, name), filledSegment(name, i + 1));
    writeFileSync(join(pgWal, 'archive_status', `${name}.ready`), '');
  });
  const config = join(root, 'barman.conf');
  writeFileSync(config, `[barman]\nbarman_home = ${root}/home\n\n[pg]\ndescription = batch\n`);
  return { root, pgWal, incoming: join(root, 'home', 'pg', 'incoming'), config, records: join(root, 'records') };
}

async function archive(config: string, records: string, walPath: string, batch = 3): Promise<{ status: number; stderr: string }> {
  const stderr = new PassThrough();
  const err: string[] = [];
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const argv = ['--batch', String(batch), '--batch-dir', records, '--transport', 'local', '-c', config, 'localhost', 'pg', walPath];
  const status = await archiveMain(argv, { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {} });
  return { status, stderr: err.join('') };
}

/** What PostgreSQL does after a 0: the segment is no longer ready. */
const markDone = (pgWal: string, name: string): void =>
  renameSync(join(pgWal, 'archive_status', `${name}.ready`), join(pgWal, 'archive_status', `${name}.done`));

/** Makes every later put-wal fail: a call that still exits 0 never reached the archive host. */
const breakServer = (config: string): void => writeFileSync(config, '[barman]\nbarman_home = /nonexistent\n');

describe('walship-archive --batch', () => {
  it('ships WAL_PATH and the next ready segments in one call, byte for byte', async () => {
    const { pgWal, incoming, config, records } = setup();
    const result = await archive(config, records, join(pgWal, names[0] as string));
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(incoming).sort()).toEqual(names.slice(0, 3));
    for (const name of names.slice(0, 3)) expect(readFileSync(join(incoming, name)).equals(readFileSync(join(pgWal, name)))).toBe(true);
  });

  it('answers the later calls for the batched segments from their records, without the archive host', async () => {
    const { pgWal, config, records } = setup();
    expect((await archive(config, records, join(pgWal, names[0] as string))).status).toBe(0);
    markDone(pgWal, names[0] as string);
    breakServer(config);
    expect((await archive(config, records, join(pgWal, names[1] as string))).status).toBe(0);
    expect((await archive(config, records, join(pgWal, names[2] as string))).status).toBe(0);
    // Not batched before: must really be shipped, and the broken server refuses it.
    expect((await archive(config, records, join(pgWal, names[3] as string))).status).toBe(1);
  });

  it('ships a segment again when its bytes no longer match the record', async () => {
    const { pgWal, incoming, config, records, root } = setup();
    expect((await archive(config, records, join(pgWal, names[0] as string))).status).toBe(0);
    markDone(pgWal, names[0] as string);
    const changed = filledSegment(names[1] as string, 0x77);
    writeFileSync(join(pgWal, names[1] as string), changed);
    const again = await archive(config, records, join(pgWal, names[1] as string));
    expect(again.status, again.stderr).toBe(0);
    // It reached the archive host, which kept the new bytes aside and the archived ones in place.
    expect(again.stderr).toContain('DIFFERENT content');
    const kept = readdirSync(join(root, 'home', 'pg', 'errors'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(root, 'home', 'pg', 'errors', kept[0] as string)).equals(changed)).toBe(true);
    expect(readFileSync(join(incoming, names[1] as string)).equals(filledSegment(names[1] as string, 2))).toBe(true);
  });

  it('falls back to shipping the one file when the records directory cannot be used', async () => {
    const { pgWal, incoming, config, root } = setup();
    writeFileSync(join(root, 'not-a-dir'), '');
    const result = await archive(config, join(root, 'not-a-dir'), join(pgWal, names[0] as string));
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('WARNING: batching disabled for this call');
    expect(readdirSync(incoming)).toEqual([names[0]]);
  });

  it('takes only later plain segments of the same timeline that PostgreSQL marked ready', async () => {
    const { pgWal } = setup();
    for (const extra of ['00000002.history', `${names[4]}.partial`, segmentFileName(2, 0, 9), segmentFileName(1, 0, 0)]) {
      writeFileSync(join(pgWal, 'archive_status', `${extra}.ready`), '');
    }
    writeFileSync(join(pgWal, 'archive_status', `${names[2]}.ready`), '');
    const backlog = await readyBacklog(join(pgWal, names[1] as string), requireWalName(names[1] as string), 10);
    expect(backlog.map((p) => p.split('/').pop())).toEqual(names.slice(2));
  });
});
