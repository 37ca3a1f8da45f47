// issue 3 "Why": barman-wal-restore's shared /var/tmp/walrestore can hand one cluster another's
// segment. Two servers archive segments with the same names but different bytes (two clusters);
// walship-restore -p shares one --spool-dir between them, and each still gets only its own bytes.
// Issue 10: two data directories of one cluster (same server, same system identifier) with the same
// restore_command get namespaces of their own too, and a call outside a data directory (pg_rewind's)
// neither serves from a spool nor starts a worker.
// Runs the built executable (the prefetch worker is a separate process) with --transport local.
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefetchLog } from '../../../fixtures/restore/spool-log.js';
import { makeLocalArchive } from '../../../fixtures/restore/archive.js';
import { MiB } from '../../../fixtures/restore/segments.js';

const repoRoot = new URL('../../../..', import.meta.url).pathname;
const names = ['000000010000000000000003', '000000010000000000000004', '000000010000000000000005'];

/** A directory that restore_command may run in: global/pg_control naming `systemIdentifier`. */
async function dataDir(parent: string, tag: string, systemIdentifier: bigint): Promise<string> {
  const dir = join(parent, tag);
  await mkdir(join(dir, 'global'), { recursive: true });
  const control = Buffer.alloc(8192);
  control.writeBigUInt64LE(systemIdentifier, 0);
  await writeFile(join(dir, 'global', 'pg_control'), control);
  return dir;
}

/** Waits until the spool's prefetch log says `line`. */
async function awaitLog(spool: string, line: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await prefetchLog(spool)).includes(line)) {
    if (Date.now() > deadline) throw new Error(`no "${line}":\n${await prefetchLog(spool)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a spool shared by two servers', () => {
  it('never hands one server the segment prefetched for the other', async () => {
    const a = await makeLocalArchive('pg');
    const b = await makeLocalArchive('pg2');
    await appendFile(a.configPath, `\n[pg2]\ndescription = another cluster\nbackup_directory = ${b.root}/home/pg2\n`);
    const bytesA = await Promise.all(names.map((name) => a.store(name, { size: MiB, systemIdentifier: 1111n })));
    const bytesB = await Promise.all(names.map((name) => b.store(name, { size: MiB, systemIdentifier: 2222n })));
    const work = await mkdtemp(join(tmpdir(), 'walship-isolation-'));
    const spool = join(work, 'spool');
    const cwd = { pg: await dataDir(work, 'pg-data', 1111n), pg2: await dataDir(work, 'pg2-data', 2222n) };
    const restore = (server: 'pg' | 'pg2', name: string) =>
      spawnSync(join(repoRoot, 'bin/walship-restore'), ['--transport', 'local', '-c', a.configPath, '-p', '2', '--spool-dir', spool, 'backup', server, name, join(work, `${server}-RECOVERYXLOG`)], { encoding: 'utf8', timeout: 30_000, cwd: cwd[server] });

    expect(restore('pg', names[0]!).status).toBe(0);
    // Wait for pg's worker to spool the next two segments.
    await awaitLog(spool, `fetched ${names[2]}`);
    // pg2 asks for a name that sits in the spool for pg: it must get pg2's own bytes.
    expect(restore('pg2', names[1]!).status).toBe(0);
    expect((await readFile(join(work, 'pg2-RECOVERYXLOG'))).equals(bytesB[1]!)).toBe(true);
    expect(restore('pg', names[1]!).status).toBe(0);
    expect((await readFile(join(work, 'pg-RECOVERYXLOG'))).equals(bytesA[1]!)).toBe(true);
  });

  it('two data directories of one cluster with the same restore_command never share a namespace; pg_rewind\'s call (no pg_control in its cwd) uses no spool (issue 10)', async () => {
    const a = await makeLocalArchive('pg');
    await Promise.all(names.map((name) => a.store(name, { size: MiB, systemIdentifier: 1111n })));
    const work = await mkdtemp(join(tmpdir(), 'walship-members-'));
    const spool = join(work, 'spool');
    const [m1, m2, elsewhere] = [await dataDir(work, 'm1', 1111n), await dataDir(work, 'm2', 1111n), join(work, 'rewind-cwd')];
    await mkdir(elsewhere);
    const restore = (cwd: string, name: string, dest: string) =>
      spawnSync(join(repoRoot, 'bin/walship-restore'), ['--transport', 'local', '-c', a.configPath, '-p', '2', '--spool-dir', spool, 'backup', 'pg', name, dest], { encoding: 'utf8', timeout: 30_000, cwd });

    // pg_rewind's shape: another cwd, %p = <datadir>/pg_wal/%f. Delivered, and no spool is made.
    await mkdir(join(m1, 'pg_wal'));
    const rewind = restore(elsewhere, names[0]!, join(m1, 'pg_wal', names[0]!));
    expect(rewind.status, rewind.stderr).toBe(0);
    expect(await readdir(spool).catch(() => [])).toEqual([]);

    expect(restore(m1, names[0]!, join(m1, 'RECOVERYXLOG')).status).toBe(0);
    expect(restore(m2, names[0]!, join(m2, 'RECOVERYXLOG')).status).toBe(0);
    const [local] = await readdir(spool);
    expect(local).toBe('local');
    const namespaces = (await readdir(join(spool, 'local'))).sort();
    expect(namespaces).toHaveLength(2);
    for (const ns of namespaces) expect(ns).toMatch(/^pg\+[0-9a-f]{8}\.1111-[0-9a-f]{8}$/);
  });
});

