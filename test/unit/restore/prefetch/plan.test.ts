// Planning (plan.ts) and fetching into the spool (fetch-into-spool.ts) against a local archive: the segments after the requested one land in the
// spool complete and verified, spooled ones are not fetched twice, consumed ones are removed.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { serverMain } from '../../../../src/server/cli.js';
import { fetchIntoSpool } from '../../../../src/restore/prefetch/fetch-into-spool.js';
import type { PrefetchContext } from '../../../../src/restore/prefetch/job.js';
import { needsPlan, planPrefetch } from '../../../../src/restore/prefetch/plan.js';
import type { PrefetchRequest } from '../../../../src/restore/prefetch/request.js';
import { openSpool, type Spool } from '../../../../src/restore/prefetch/spool.js';
import { localTransport } from '../../../../src/transport/local.js';
import { nextSegment, requireWalName } from '../../../../src/wal/name.js';
import { makeLocalArchive, type LocalArchive } from '../../../fixtures/restore/archive.js';
import { MiB } from '../../../fixtures/restore/segments.js';

let archive: LocalArchive;
let spool: Spool;
const logs: string[] = [];

/** `count` consecutive 1 MiB segment names from (log, seg). */
function names(log: number, seg: number, count: number): string[] {
  const out: string[] = [];
  let wal = requireWalName(`00000001${log.toString(16).padStart(8, '0')}${seg.toString(16).padStart(8, '0')}`.toUpperCase());
  for (let i = 0; i < count; i++) {
    out.push(wal.name);
    wal = nextSegment(wal, MiB);
  }
  return out;
}

beforeEach(async () => {
  archive = await makeLocalArchive();
  spool = await openSpool(join(archive.root, 'spool'), 'ns');
  logs.length = 0;
});

/** One plan, then every wanted segment fetched: what the worker does for one request. */
async function prefetchRound(ctx: PrefetchContext, request: PrefetchRequest) {
  const plan = await planPrefetch(ctx, request);
  const outcomes = await Promise.all(plan.wanted.map((wal) => fetchIntoSpool(ctx, wal)));
  const named = (outcome: string) => plan.wanted.filter((_, i) => outcomes[i] === outcome).map((wal) => wal.name);
  return { removed: plan.removed, peeked: plan.peeked, fetched: named('fetched'), failed: named('failed') };
}

const context = (jobs: number, format: 'plain' | 'gzip' = 'plain'): PrefetchContext => ({
  transport: localTransport(new PassThrough(), {}, async () => serverMain),
  options: { config: archive.configPath, format, partial: false, serverName: 'pg', jobs },
  spool,
  log: (line) => logs.push(line),
});

describe('a plan, then every wanted segment fetched', () => {
  it('spools the next JOBS segments across a log boundary (1 MiB segments)', async () => {
    const all = names(0, 0xffe, 7); // ...FFE, ...FFF, then log 1
    const segments = new Map<string, Buffer>();
    for (const name of all) segments.set(name, await archive.store(name, { size: MiB }));
    const report = await prefetchRound(context(4), { walName: all[0]!, segmentSize: MiB });
    expect(report.fetched).toEqual(all.slice(1, 5));
    expect(logs).toEqual([]);
    for (const name of all.slice(1, 5)) expect((await readFile(join(spool.dir, name))).equals(segments.get(name)!)).toBe(true);
    expect((await readdir(spool.dir)).sort()).toEqual(all.slice(1, 5).sort());
  });

  it('does not fetch what is already spooled, and removes what PostgreSQL has consumed', async () => {
    const all = names(0, 0x10, 5);
    for (const name of all) await archive.store(name, { size: MiB });
    await writeFile(join(spool.dir, all[0]!), 'old');
    await prefetchRound(context(2), { walName: all[0]!, segmentSize: MiB });
    const report = await prefetchRound(context(3), { walName: all[1]!, segmentSize: MiB });
    expect(report.removed).toEqual([all[1]]);
    expect(report.fetched).toEqual(all.slice(3));
    expect((await readdir(spool.dir)).sort()).toEqual(all.slice(2).sort());
  });

  it('never spools a segment that fails the header check', async () => {
    const all = names(0, 0x20, 3);
    await archive.store(all[0]!, { size: MiB });
    await archive.store(all[1]!, { size: MiB, bytes: Buffer.alloc(MiB, 1) });
    await archive.store(all[2]!, { size: MiB });
    const report = await prefetchRound(context(2), { walName: all[0]!, segmentSize: MiB });
    // The broken one still exists in the archive, so peek lists it, but it never reaches the spool.
    expect(report.failed).toEqual([all[1]]);
    expect(await readdir(spool.dir)).toEqual([all[2]]);
    expect(logs.join('\n')).toMatch(/not a complete segment/);
  });

  it('fetches nothing when the archive has nothing after the requested segment', async () => {
    const [only] = names(0, 0x30, 1);
    await archive.store(only!, { size: MiB });
    expect(await prefetchRound(context(4), { walName: only!, segmentSize: MiB })).toMatchObject({ peeked: [], fetched: [] });
  });

  it('spools plain bytes when the transfer is gzip', async () => {
    const all = names(0, 0x40, 2);
    const segments = await Promise.all(all.map((name) => archive.store(name, { size: MiB })));
    await prefetchRound(context(1, 'gzip'), { walName: all[0]!, segmentSize: MiB });
    expect((await readFile(join(spool.dir, all[1]!))).equals(segments[1]!)).toBe(true);
  });
});

describe('needsPlan', () => {
  it('asks for more only when fewer than half of JOBS segments ahead are spooled or in flight', async () => {
    const all = names(0, 0x50, 6);
    const request = { walName: all[0]!, segmentSize: MiB };
    for (const name of all.slice(1, 3)) await writeFile(join(spool.dir, name), 'x');
    // 2 spooled ahead, JOBS 8: plan.
    expect(await needsPlan(context(8), request, [])).toBe(true);
    // 2 spooled + 2 in flight = 4 = half of 8: the window is full enough.
    expect(await needsPlan(context(8), request, all.slice(3, 5))).toBe(false);
    // Spooled segments at or before the request do not count.
    expect(await needsPlan(context(8), { walName: all[2]!, segmentSize: MiB }, all.slice(3, 5))).toBe(true);
  });
});
