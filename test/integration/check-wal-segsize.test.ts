// issue 12 "Must show": a 64 MiB --wal-segsize cluster is checked correctly. pg_resetwal puts its WAL
// three segments before a log boundary, so the archive crosses from log 0 (segments 00..3F: 64 per
// log at 64 MiB) into log 1: a check that assumed 16 MiB (256 per log) would see 40..FF missing.
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPostgres, type Pg } from '../helpers/postgres.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun } from '../helpers/run.js';
import { check, makeLocalArchive, parseJson, segmentNames, switchSegment, waitArchived, type LocalArchive } from './check/archive.js';

let archive: LocalArchive;
let pg: Pg | undefined;

beforeAll(async () => {
  requireIntegration(['root', 'postgres']);
  archive = await makeLocalArchive('walship-check-64-');
  pg = await startPostgres({
    walSegsizeMb: 64,
    firstWalFile: '00000001000000000000003D',
    settings: { archive_mode: 'on', archive_command: archive.archiveCommand },
  });
  await pg.psql('create table t (id int)');
  let last = '';
  for (let i = 0; i < 5; i++) last = await switchSegment(pg);
  await waitArchived(pg, last);
}, 300_000);

afterAll(async () => {
  await pg?.remove();
});

it('a 64 MiB cluster crossing a log boundary is whole; a removed segment is the exact gap', async () => {
  const names = await segmentNames(archive);
  expect(names).toContain('00000001000000000000003F');
  expect(names).toContain('000000010000000100000000');
  expect(names).toContain('000000010000000100000001');
  const whole = await check(archive, ['--json', 'pg']);
  expect(whole.code, describeRun(whole)).toBe(0);
  const report = parseJson(whole).servers[0]!;
  expect(report.metrics.segmentSize).toBe(64 * 1024 * 1024);
  expect(report.gaps).toEqual([]);

  // The first segment of the new log: after 3F comes 1/00, and nothing else is missing.
  const aside = join(archive.dir, '000000010000000100000000');
  await rename(join(archive.incoming, '000000010000000100000000'), aside);
  try {
    const gap = await check(archive, ['--json', 'pg']);
    expect(gap.code, describeRun(gap)).toBe(2);
    expect(parseJson(gap).servers[0]!.gaps).toEqual([{ timeline: 1, first: '000000010000000100000000', last: '000000010000000100000000', count: 1 }]);
  } finally {
    await rename(aside, join(archive.incoming, '000000010000000100000000'));
  }
}, 120_000);
