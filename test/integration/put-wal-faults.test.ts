// issue 2 "Faults": put-wal SIGKILLed mid-transfer, then retried as PostgreSQL retries; two
// concurrent put-wal of one segment racing to publish; an identical re-send after success.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { putWalStream } from '../fixtures/archive/tar.js';
import { leftovers, listDir, makeArchive, SEGMENT, type TestArchive } from '../fixtures/archive/server.js';
import { randomSegment } from '../fixtures/restore/segments.js';

const SEGMENT_SIZE = 16 * 1024 * 1024;

interface Server {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** `walship-server -c CONFIG put-wal pg` with stdin left open for the test to feed. */
function startPutWal(archive: TestArchive): Server {
  const child = spawn(binPath('walship-server'), ['-c', archive.configPath, 'put-wal', 'pg'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exit };
}

const write = (server: Server, bytes: Buffer): Promise<void> =>
  new Promise((resolve, reject) => server.child.stdin.write(bytes, (error) => (error ? reject(error) : resolve())));

/** Polls (every 20 ms, at most 20 s) until `ready` holds. */
async function waitFor(what: string, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const tempSizes = (dir: string): number[] => leftovers(dir).map((name) => statSync(join(dir, name)).size);

function walFile(archive: TestArchive, data: Buffer): string {
  const path = join(archive.dir, SEGMENT);
  writeFileSync(path, data);
  return path;
}

describe('put-wal killed with SIGKILL mid-transfer', () => {
  it('leaves only a hidden temp file; the retry succeeds byte-identical and sweeps it', async () => {
    const archive = makeArchive();
    const wal = randomSegment(SEGMENT, SEGMENT_SIZE);
    const stream = putWalStream([[SEGMENT, wal]]);
    const server = startPutWal(archive);
    await write(server, stream.subarray(0, stream.length / 2));
    // Killed while the segment is being written: its temp file exists and holds part of it.
    await waitFor('a partly written temp file', () => tempSizes(archive.incoming).some((size) => size > 0));
    server.child.kill('SIGKILL');
    const killed = await server.exit;
    expect(killed.signal).toBe('SIGKILL');
    const [crashTemp] = leftovers(archive.incoming);
    expect(crashTemp).toMatch(new RegExp(`^\\.${SEGMENT}\\.${server.child.pid}\\.[0-9a-f]+\\.walship-tmp$`));
    expect(listDir(archive.incoming), 'no file under the WAL name after a crash').toEqual([crashTemp]);

    // PostgreSQL retries archive_command: the same client command, same file.
    const retry = await run([binPath('walship-archive'), '--transport', 'local', '-c', archive.configPath, 'h', 'pg', walFile(archive, wal)]);
    expect(retry.code, describeRun(retry)).toBe(0);
    expect(retry.stderr).toBe('');
    expect(readFileSync(join(archive.incoming, SEGMENT)).equals(wal)).toBe(true);
    expect(listDir(archive.incoming), 'the dead writer\'s temp file is swept').toEqual([SEGMENT]);
    expect(listDir(archive.errors)).toEqual([]);
  });

  it('killed after the whole segment arrived but before the end of the stream: the retry still publishes it once', async () => {
    const archive = makeArchive();
    const wal = randomSegment(SEGMENT, SEGMENT_SIZE);
    const stream = putWalStream([[SEGMENT, wal]]);
    const server = startPutWal(archive);
    await write(server, stream.subarray(0, stream.length - 1024));
    await waitFor('the complete temp file', () => tempSizes(archive.incoming).includes(SEGMENT_SIZE));
    server.child.kill('SIGKILL');
    await server.exit;
    expect(listDir(archive.incoming).filter((name) => name === SEGMENT)).toEqual([]);

    const retry = await run([binPath('walship-server'), '-c', archive.configPath, 'put-wal', 'pg'], { input: stream });
    expect(retry.code, describeRun(retry)).toBe(0);
    expect(readFileSync(join(archive.incoming, SEGMENT)).equals(wal)).toBe(true);
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
  });
});

describe('two concurrent put-wal of the same segment', () => {
  for (const round of [1, 2, 3]) {
    it(`both exit 0, one file with identical bytes, no errors/ entry, no temp (round ${round})`, async () => {
      const archive = makeArchive();
      const wal = randomSegment(SEGMENT, SEGMENT_SIZE);
      const stream = putWalStream([[SEGMENT, wal]]);
      const servers = [startPutWal(archive), startPutWal(archive)];
      // Both receive everything but the end-of-archive blocks, so they reach publish together.
      await Promise.all(servers.map((s) => write(s, stream.subarray(0, stream.length - 1024))));
      await waitFor('two complete temp files', () => tempSizes(archive.incoming).filter((size) => size === SEGMENT_SIZE).length === 2);
      for (const s of servers) s.child.stdin.end(stream.subarray(stream.length - 1024));
      const exits = await Promise.all(servers.map((s) => s.exit));
      for (const e of exits) expect(e.code, e.stderr).toBe(0);
      expect(exits.filter((e) => e.stderr === '')).toHaveLength(1);
      expect(exits.map((e) => e.stderr).join('')).toBe(
        `WAL file ${SEGMENT} is already archived with identical content (${join(archive.incoming, SEGMENT)}); nothing to do\n`,
      );
      expect(listDir(archive.incoming)).toEqual([SEGMENT]);
      expect(readFileSync(join(archive.incoming, SEGMENT)).equals(wal)).toBe(true);
      expect(listDir(archive.errors)).toEqual([]);
    });
  }

  it('different bytes under one name at once: one is stored, the other kept in errors/, both exit 0', async () => {
    const archive = makeArchive();
    const wals = [randomSegment(SEGMENT, SEGMENT_SIZE), randomSegment(SEGMENT, SEGMENT_SIZE)];
    const streams = wals.map((w) => putWalStream([[SEGMENT, w]]));
    const servers = [startPutWal(archive), startPutWal(archive)];
    await Promise.all(servers.map((s, i) => write(s, streams[i]!.subarray(0, streams[i]!.length - 1024))));
    await waitFor('two complete temp files', () => tempSizes(archive.incoming).filter((size) => size === SEGMENT_SIZE).length === 2);
    servers.forEach((s) => s.child.stdin.end(Buffer.alloc(1024)));
    const exits = await Promise.all(servers.map((s) => s.exit));
    for (const e of exits) expect(e.code, e.stderr).toBe(0);
    const stored = readFileSync(join(archive.incoming, SEGMENT));
    const winner = wals.findIndex((w) => w.equals(stored));
    expect(winner).toBeGreaterThanOrEqual(0);
    const kept = listDir(archive.errors);
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(archive.errors, kept[0]!)).equals(wals[1 - winner]!)).toBe(true);
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
  });
});

describe('an identical re-send after success', () => {
  it('exits 0 through walship-archive and through put-wal, and changes nothing', async () => {
    const archive = makeArchive();
    const wal = randomSegment(SEGMENT, SEGMENT_SIZE);
    const path = walFile(archive, wal);
    const argv = [binPath('walship-archive'), '--transport', 'local', '-c', archive.configPath, 'h', 'pg', path];
    expect((await run(argv)).code).toBe(0);
    const inode = statSync(join(archive.incoming, SEGMENT)).ino;
    const again = await run(argv);
    expect(again.code, describeRun(again)).toBe(0);
    expect(again.stderr).toContain('is already archived with identical content');
    const viaServer = await run([binPath('walship-server'), '-c', archive.configPath, 'put-wal', 'pg'], { input: putWalStream([[SEGMENT, wal]]) });
    expect(viaServer.code, describeRun(viaServer)).toBe(0);
    expect(statSync(join(archive.incoming, SEGMENT)).ino).toBe(inode);
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
    expect(listDir(archive.errors)).toEqual([]);
  });
});

describe('errors_directory on another filesystem than incoming', () => {
  it('a different duplicate is copied there durably (link(2) gives EXDEV), and no temp file stays in incoming', async () => {
    requireIntegration(['root']);
    const archive = makeArchive();
    const errorsMount = join(archive.dir, 'errors-fs');
    mkdirSync(errorsMount);
    const mount = await run(['mount', '-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', errorsMount]);
    expect(mount.code, `this test mounts a tmpfs and needs root with mount rights\n${describeRun(mount)}`).toBe(0);
    try {
      writeFileSync(archive.configPath, `[barman]\nbarman_home = ${archive.dir}/home\n[pg]\nerrors_directory = ${errorsMount}\n`);
      const original = randomSegment(SEGMENT, SEGMENT_SIZE);
      const other = randomSegment(SEGMENT, SEGMENT_SIZE);
      const put = (wal: Buffer) => run([binPath('walship-server'), '-c', archive.configPath, 'put-wal', 'pg'], { input: putWalStream([[SEGMENT, wal]]) });
      expect((await put(original)).code).toBe(0);
      const r = await put(other);
      expect(r.code, describeRun(r)).toBe(0);
      const kept = listDir(errorsMount);
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatch(/^000000010000000000000003\.\d{8}T\d{6}Z\.duplicate$/);
      expect(r.stderr).toContain(`the new bytes were kept in ${join(errorsMount, kept[0]!)}`);
      expect(readFileSync(join(errorsMount, kept[0]!)).equals(other)).toBe(true);
      expect(readFileSync(join(archive.incoming, SEGMENT)).equals(original)).toBe(true);
      expect(listDir(archive.incoming)).toEqual([SEGMENT]);
    } finally {
      await run(['umount', errorsMount]);
    }
  });
});
