// issue 3 "Why": barman-wal-restore's shared /var/tmp/walrestore can hand one cluster another's
// segment. Two servers archive segments with the same names but different bytes (two clusters);
// walship-restore -p shares one --spool-dir between them, and each still gets only its own bytes.
// Runs the built executable (the prefetch worker is a separate process) with --transport local.
import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefetchLog } from '../../../fixtures/restore/spool-log.js';
import { makeLocalArchive } from '../../../fixtures/restore/archive.js';
import { MiB } from '../../../fixtures/restore/segments.js';

const repoRoot = new URL('../../../..', import.meta.url).pathname;
const names = ['000000010000000000000003', '000000010000000000000004', '000000010000000000000005'];

describe('a spool shared by two servers', () => {
  it('never hands one server the segment prefetched for the other', async () => {
    const a = await makeLocalArchive('pg');
    const b = await makeLocalArchive('pg2');
    await appendFile(a.configPath, `\n[pg2]\ndescription = another cluster\nbackup_directory = ${b.root}/home/pg2\n`);
    const bytesA = await Promise.all(names.map((name) => a.store(name, { size: MiB, systemIdentifier: 1111n })));
    const bytesB = await Promise.all(names.map((name) => b.store(name, { size: MiB, systemIdentifier: 2222n })));
    const work = await mkdtemp(join(tmpdir(), 'walship-isolation-'));
    const spool = join(work, 'spool');
    const restore = (server: string, name: string) =>
      spawnSync(join(repoRoot, 'bin/walship-restore'), ['--transport', 'local', '-c', a.configPath, '-p', '2', '--spool-dir', spool, 'backup', server, name, join(work, `${server}-RECOVERYXLOG`)], { encoding: 'utf8', timeout: 30_000 });

    expect(restore('pg', names[0]!).status).toBe(0);
    // Wait for pg's worker to spool the next two segments.
    const deadline = Date.now() + 20_000;
    while (!(await prefetchLog(spool)).includes(`fetched ${names[2]}`)) {
      if (Date.now() > deadline) throw new Error(`no prefetch:\n${await prefetchLog(spool)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // pg2 asks for a name that sits in the spool for pg: it must get pg2's own bytes.
    expect(restore('pg2', names[1]!).status).toBe(0);
    expect((await readFile(join(work, 'pg2-RECOVERYXLOG'))).equals(bytesB[1]!)).toBe(true);
    expect(restore('pg', names[1]!).status).toBe(0);
    expect((await readFile(join(work, 'pg-RECOVERYXLOG'))).equals(bytesA[1]!)).toBe(true);
  });
});
