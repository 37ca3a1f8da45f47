// `npm run bench` (issue 9 item 6): walship side by side with Debian's barman-cli + barman 3.4,
// pgBackRest 2.45 (sync and archive-async, local repo and repo1-host over ssh) and the floors
// (`dd conv=fsync`, `cp`), in one run, on real PostgreSQL 15 WAL, over the tests' sshd. Scenarios:
// start-up, (a) sequential archive calls, (b) sustained pgbench load, (c) sequential restore calls,
// (d) a real PITR. Results: bench/results/<UTC>.md and README.md's Performance section. Nothing
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
import { runStartup } from './scenarios/startup.js';
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
  requireIntegration(['root', 'sshd', 'postgres', 'barman', 'barman-cli']);
  if (!existsSync('/usr/bin/pgbackrest')) throw new Error('pgbackrest missing: `npm run bench` (scripts/bench.sh) installs it as root');
  const started = new Date();
  const loadBefore = loadNow();
  const env = BENCH_ENV;
  const { ctx, sshd } = await setUp();
  const has = (id: (typeof env.scenarios)[number]): boolean => env.scenarios.includes(id);
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
    const results: RunResults = { archive: [], sustained: [], restore: [], pitr: [] };
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
    const finished = new Date();
    const notes = [
      'pgBackRest runs with compress-type=none and compress-level-network=0, so every tool moves the same raw 16 MiB per segment (walship and barman-cli do not compress by default). Its ssh repository (repo1-host = the tests\' sshd, repo1-host-user = the archive user) got its stanza from a local stanza-create, then chown; archive-push/-get then go through `pgbackrest remote` over ssh as usual.',
      'Every call is `/bin/sh -c` spawned from Node as the PostgreSQL user; the start-up table shows what that costs by itself.',
      hasRestoreAgent() ? 'walship-restore --async is in this checkout and measured.' : 'walship-restore --async is not in this checkout (branch restagent has not landed on main yet): its rows and targets are not measured.',
    ];
    const markdown = renderReport(results, startup, { started, finished, header: describeMachine(loadBefore, loadNow(), started, finished), notes },
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
