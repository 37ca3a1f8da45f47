// Claiming a spooled copy for a restore: claims are atomic, broken or stale copies are never
// delivered, and a copy the worker is still writing is waited for (restore.test.ts drives that wait).
import { chmod, chown, mkdtemp, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { claimSpooled } from '../../../../src/restore/prefetch/claim.js';
import { openSpool, SPOOL_MAX_AGE_MS, type Spool } from '../../../../src/restore/prefetch/spool.js';
import { requireWalName } from '../../../../src/wal/name.js';
import { FIXTURE_SYSTEM_IDENTIFIER, makeSegment, MiB, writeSegment } from '../../../fixtures/restore/segments.js';

let spool: Spool;
const warnings: string[] = [];
const warn = (line: string): void => {
  warnings.push(line);
};

beforeEach(async () => {
  spool = await openSpool(join(await mkdtemp(join(tmpdir(), 'walship-claim-')), 'spool'), 'ns');
  warnings.length = 0;
});

describe('claimSpooled', () => {
  const wal = requireWalName('000000010000000000000010');

  it('takes a complete segment out of the spool under a temp name', async () => {
    const bytes = await writeSegment(join(spool.dir, wal.name), wal.name, { size: MiB });
    const claimed = await claimSpooled(spool, wal, warn);
    expect(claimed?.header.segmentSize).toBe(MiB);
    expect((await readFile(claimed!.file.path)).equals(bytes)).toBe(true);
    await claimed!.file.handle.close();
    expect(await readdir(spool.dir)).not.toContain(wal.name);
  });

  it('lets only one of two concurrent claims win', async () => {
    await writeSegment(join(spool.dir, wal.name), wal.name, { size: MiB });
    const [a, b] = await Promise.all([claimSpooled(spool, wal, warn), claimSpooled(spool, wal, warn)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
  });

  it('discards a truncated segment with a warning and never returns it', async () => {
    await writeFile(join(spool.dir, wal.name), makeSegment(wal.name, { size: MiB }).subarray(0, MiB / 2));
    expect(await claimSpooled(spool, wal, warn)).toBeUndefined();
    expect(warnings[0]).toMatch(/discarded spooled 000000010000000000000010: file has 524288 bytes/);
    expect(await readdir(spool.dir)).toEqual([]);
  });

  it('discards a segment whose header names another segment', async () => {
    await writeFile(join(spool.dir, wal.name), makeSegment('000000010000000000000011', { size: MiB }));
    expect(await claimSpooled(spool, wal, warn)).toBeUndefined();
    expect(await readdir(spool.dir)).toEqual([]);
  });

  it('discards a complete segment spooled longer ago than SPOOL_MAX_AGE_MS (left by an earlier recovery)', async () => {
    await writeSegment(join(spool.dir, wal.name), wal.name, { size: MiB });
    const old = new Date(Date.now() - SPOOL_MAX_AGE_MS - 60_000);
    await utimes(join(spool.dir, wal.name), old, old);
    expect(await claimSpooled(spool, wal, warn)).toBeUndefined();
    expect(warnings[0]).toMatch(/spooled too long ago/);
    expect(await readdir(spool.dir)).toEqual([]);
  });

  it('discards a segment of another cluster than the recovering one, with a warning naming both identifiers (issue 8)', async () => {
    await writeSegment(join(spool.dir, wal.name), wal.name, { size: MiB, systemIdentifier: 42n });
    expect(await claimSpooled({ ...spool, systemIdentifier: FIXTURE_SYSTEM_IDENTIFIER }, wal, warn)).toBeUndefined();
    expect(warnings).toEqual([
      `WARNING: discarded spooled ${wal.name}: its header has system identifier 42, expected ${FIXTURE_SYSTEM_IDENTIFIER}; fetching it from the archive`,
    ]);
    expect(await readdir(spool.dir)).toEqual([]);
  });

  it('takes a segment of any cluster when the recovering cluster is unknown (no pg_control)', async () => {
    await writeSegment(join(spool.dir, wal.name), wal.name, { size: MiB, systemIdentifier: 42n });
    const claimed = await claimSpooled({ ...spool, systemIdentifier: undefined }, wal, warn);
    expect(claimed?.header.systemIdentifier).toBe(42n);
    await claimed?.file.handle.close();
  });

  it.each([
    ["another user's file", async (path: string) => {
      await writeFile(path, makeSegment(wal.name, { size: MiB }));
      await chown(path, 65534, 65534);
    }],
    ['a file others may write (0666)', async (path: string) => {
      await writeFile(path, makeSegment(wal.name, { size: MiB }));
      await chmod(path, 0o666);
    }],
    ['a symlink to a complete segment', async (path: string) => {
      await writeFile(`${path}.target`, makeSegment(wal.name, { size: MiB }), { mode: 0o600 });
      await symlink(`${path}.target`, path);
    }],
  ] as const)('never returns %s under a segment name: one warning naming it, and it leaves the spool (issue 8)', async (_what, plant) => {
    await plant(join(spool.dir, wal.name));
    expect(await claimSpooled(spool, wal, warn)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^WARNING: discarded spooled 000000010000000000000010: /);
    expect(await readdir(spool.dir)).not.toContain(wal.name);
    expect((await readdir(spool.dir)).filter((entry) => entry.includes('claimed'))).toEqual([]);
  });

  it('finds nothing when nothing is spooled', async () => {
    expect(await claimSpooled(spool, wal, warn)).toBeUndefined();
  });
});
