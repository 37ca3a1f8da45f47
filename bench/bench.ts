// `npm run bench` (issue 9 item 6): walship side by side with Debian's barman-cli + barman 3.4,
// pgBackRest 2.45 (sync and archive-async, local repo and repo1-host over ssh) and the floors
// (`dd conv=fsync`, `cp`), in one run, on real PostgreSQL 15 WAL, over the tests' sshd; and against
// S3-compatible object storage (issue 13) beside barman-cloud 3.4. Scenarios: start-up (per call,
// and of each shipped form), (a) sequential archive calls, (b) sustained pgbench load, (c) sequential
// restore calls, (d) a real PITR, (e)/(f) (a)/(c) against a Ceph radosgw. Results: bench/results/<UTC>.md and README.md's Performance section. Nothing
// here asserts a time: targets are printed as reached or not.

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { requireIntegration } from '../test/helpers/requirements.js';
import { makeCaller } from './call.js';
import { BENCH_ENV, pick } from './env.js';
import { makeDataDir } from './fixture/datadir.js';
import { populateArchives } from './fixture/populate.js';
import { describeMachine, loadNow, setUp } from './fixture/setup.js';
import { makePitrWal, startSource } from './fixture/source.js';
import { renderReport, writeReport } from './report.js';
import { runArchiveSeq } from './scenarios/archive-seq.js';
import { runPitr } from './scenarios/pitr.js';
import { runRestoreSeq } from './scenarios/restore-seq.js';
import { runObjectStore } from './scenarios/object-store.js';
import { runStartup } from './scenarios/startup.js';
import { runStartupForms } from './scenarios/startup-forms.js';
import { runSustained } from './scenarios/sustained.js';
import type { StartupResult } from './scenarios/types.js';
import type { RunResults } from './targets.js';
import { barmanArchiveTools, barmanRestoreTools } from './tools/barman.js';
import { floorArchiveTools, floorRestoreTools } from './tools/floor.js';
import { pgbackrestArchiveTools, pgbackrestRestoreTools } from './tools/pgbackrest.js';
import { setupPgbackrest } from './tools/pgbackrest-setup.js';
import { hasRestoreAgent, walshipArchiveTools, walshipRestoreTools } from './tools/walship.js';

const t0 = Date.now();
const log = (line: string): void => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

async function main(): Promise<void> {
  const env = BENCH_ENV;
  const has = (id: (typeof env.scenarios)[number]): boolean => env.scenarios.includes(id);
  requireIntegration(['root', 'sshd', 'postgres', 'barman', 'barman-cli', ...(has('s3-archive') || has('s3-restore') ? ['ceph', 'barman-cloud'] as const : [])]);
  if (!existsSync('/usr/bin/pgbackrest')) throw new Error('pgbackrest missing: `npm run bench` (scripts/bench.sh) installs it as root');
  const started = new Date();
  const loadBefore = loadNow();
  const { ctx, sshd } = await setUp();
  log(`source cluster: pgbench -i -s ${env.pgbenchScale}`);
  const started0 = await startSource(ctx.work, ctx.pgUser, env.pgbenchScale);
  try {
    const caller = await makeCaller(ctx.pgUser.name);
    log('pgBackRest: configs and stanza-create');
    const pgbr = await setupPgbackrest(ctx, started0.pg);
    log(`base backup, then pgbench until ${env.pitrSegments} segments`);
    const source = await makePitrWal(started0, ctx.work, env.pitrSegments);
    await source.pg.stop(); // now (b)'s template
    const pgControlDir = await makeDataDir({ dir: join(ctx.work, 'pgcontrol'), owner: ctx.pgUser, pgControl: join(source.backupDir, 'global', 'pg_control') });
    const pgControl = join(pgControlDir, 'global', 'pg_control');
    const names = source.pitrNames.slice(0, env.segments);
    const archiveTools = [...barmanArchiveTools(ctx), ...walshipArchiveTools(ctx), ...pgbackrestArchiveTools(ctx, pgbr), ...floorArchiveTools(ctx)];
    const restoreTools = [...barmanRestoreTools(ctx), ...walshipRestoreTools(ctx), ...pgbackrestRestoreTools(ctx, pgbr), ...floorRestoreTools(source.staging)];

    const startup: StartupResult[] = has('startup') ? await runStartup(caller, env.startupRuns, log) : [];
    const forms = has('startup-forms') ? await runStartupForms(env.formsRuns, log) : undefined;
    const results: RunResults = { archive: [], sustained: [], restore: [], pitr: [], s3Archive: [], s3Restore: [] };
    const seqInput = { caller, work: ctx.work, pgControl, staging: source.staging, names, log };
    if (has('archive')) results.archive = await runArchiveSeq(pick(archiveTools, env.archiveTools), seqInput);
    if (has('sustained')) {
      results.sustained = await runSustained(pick(archiveTools, env.sustainedTools), {
        work: ctx.work, template: source.pg.dataDir, seconds: env.sustainedSeconds, drainSeconds: env.drainSeconds, log,
      });
    }
    if (has('restore') || has('pitr')) {
      log(`filling every archive with ${source.pitrNames.length} segments`);
      await populateArchives(ctx, pgbr, source.staging, source.pitrNames, pgControlDir);
    }
    if (has('restore')) results.restore = await runRestoreSeq(pick(restoreTools, env.restoreTools), seqInput);
    if (has('pitr')) {
      results.pitr = await runPitr(pick(restoreTools, env.pitrTools), {
        work: ctx.work, backupDir: source.backupDir, targetTime: source.targetTime, segments: source.pitrNames.length, owner: ctx.pgUser, log,
      });
    }
    const s3Notes: string[] = [];
    if (has('s3-archive') || has('s3-restore')) {
      const s3 = await runObjectStore(ctx, seqInput, { ...(has('s3-archive') ? { archive: env.s3ArchiveTools } : {}), ...(has('s3-restore') ? { restore: env.s3RestoreTools } : {}) });
      results.s3Archive = s3.archive;
      results.s3Restore = s3.restore;
      if (s3.error !== undefined) s3Notes.push(s3.error);
    }
    const finished = new Date();
    const notes = [
      'pgBackRest runs with compress-type=none and compress-level-network=0, so every tool moves the same raw 16 MiB per segment (walship and barman-cli do not compress by default). Its ssh repository (repo1-host = the tests\' sshd, repo1-host-user = the archive user) got its stanza from a local stanza-create, then chown; archive-push/-get then go through `pgbackrest remote` over ssh as usual.',
      'Every call is `/bin/sh -c` spawned from Node as the PostgreSQL user; the start-up table shows what that costs by itself.',
      'Against S3 ((e), (f)): every command names the store with --endpoint-url and gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the region as sh assignments in front of it, as the postmaster\'s environment would carry them (no extra process). walship and barman-cloud both send plain bytes (neither compresses by default).',
      ...s3Notes,
      hasRestoreAgent() ? 'walship-restore --async is in this checkout and measured.' : 'walship-restore --async is not in this checkout (branch restagent has not landed on main yet): its rows and targets are not measured.',
    ];
    const markdown = renderReport(results, { calls: startup, ...(forms === undefined ? {} : { forms }) }, { started, finished, header: describeMachine(loadBefore, loadNow(), started, finished), notes },
      { segments: env.segments, pitrSegments: env.pitrSegments, seconds: env.sustainedSeconds });
    console.log(markdown);
    log(`results: ${await writeReport(markdown, started, env.writeReadme)}`);
  } finally {
    await started0.pg.remove();
    await sshd.stop();
    if (!BENCH_ENV.keep) await rm(ctx.work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exitCode = 1;
});
