// `npm run bench`: walship side by side with the reference tools, in one run, on real WAL segments
// over a real sshd on 127.0.0.1. Reports per-segment wall time and the ratio to Barman's client.
// Scenarios call each client once per segment, sequentially, exactly as PostgreSQL calls
// archive_command and restore_command. Nothing here asserts a time: this is a measurement.

import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBarmanConfig } from '../test/helpers/barman.js';
import { ensureOwnedDir, makeTempDir } from '../test/helpers/files.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { requireIntegration } from '../test/helpers/requirements.js';
import { binPath, describeRun, run } from '../test/helpers/run.js';
import { startSshd } from '../test/helpers/sshd.js';
import { ARCHIVE_USER, BARMAN_USER, ensureUser, PG_USER } from '../test/helpers/users.js';

const SEGMENTS = Number(process.env.WALSHIP_BENCH_SEGMENTS ?? 16);
const SERVER = 'bench';

interface Scenario {
  name: string;
  /** argv for one segment: archive gets the path, restore gets name + destination. */
  argv: (segment: string, index: number) => string[];
  /** Runs before the timed loop (fresh archive, empty spool...). */
  prepare?: () => Promise<void>;
  /** Runs after each successful call, untimed (what PostgreSQL does: .ready → .done). */
  after?: (segment: string) => Promise<void>;
}

interface Result {
  name: string;
  perSegmentMs: number[];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timeScenario(scenario: Scenario, segments: string[]): Promise<Result> {
  await scenario.prepare?.();
  const perSegmentMs: number[] = [];
  for (const [index, segment] of segments.entries()) {
    const argv = scenario.argv(segment, index);
    const started = process.hrtime.bigint();
    const result = await run(argv, { user: PG_USER, timeoutMs: 120_000 });
    perSegmentMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.code !== 0) throw new Error(`${scenario.name}: segment ${index} failed\n${describeRun(result)}`);
    await scenario.after?.(segment);
  }
  return { name: scenario.name, perSegmentMs };
}

function report(title: string, results: Result[]): void {
  const reference = results[0] as Result;
  console.log(`\n${title} (${SEGMENTS} segments of 16 MiB, sequential calls; ratio = reference mean / scenario mean)`);
  console.log(`${'scenario'.padEnd(62)} ${'mean ms'.padStart(9)} ${'median'.padStart(9)} ${'ratio'.padStart(8)}`);
  for (const r of results) {
    const ratio = mean(reference.perSegmentMs) / mean(r.perSegmentMs);
    console.log(`${r.name.padEnd(62)} ${mean(r.perSegmentMs).toFixed(1).padStart(9)} ${median(r.perSegmentMs).toFixed(1).padStart(9)} ${`${ratio.toFixed(2)}x`.padStart(8)}`);
  }
}

async function makeSegments(dir: string): Promise<string[]> {
  const pgUser = await ensureUser(PG_USER);
  await ensureOwnedDir(dir, pgUser, 0o755);
  const pg = await startPostgres({ settings: { archive_mode: 'on', archive_command: `cp %p ${dir}/%f`, wal_level: 'replica' } });
  try {
    await pg.pgbench(['-i', '-q', '-s', String(Math.max(2, SEGMENTS))]);
    for (let i = 0; i < 3; i++) await pg.psql('select pg_switch_wal()');
    const deadline = Date.now() + 120_000;
    for (;;) {
      const names = (await readdir(dir)).filter((n) => /^[0-9A-F]{24}$/.test(n));
      if (names.length >= SEGMENTS) return names.sort().slice(0, SEGMENTS).map((n) => join(dir, n));
      if (Date.now() > deadline) throw new Error(`only ${names.length} segments archived`);
      await pg.psql('select pg_switch_wal()');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await pg.remove();
  }
}

async function main(): Promise<void> {
  requireIntegration(['root', 'sshd', 'postgres', 'barman', 'barman-cli']);
  const work = await makeTempDir('walship-bench-');
  const pgUser = await ensureUser(PG_USER);
  console.log(`walship bench — ${new Date().toISOString()}, ${SEGMENTS} real segments from PostgreSQL 15 (pgbench)`);
  const segments = await makeSegments(join(work, 'segments'));
  const names = segments.map((s) => s.split('/').pop() as string);
  const sshd = await startSshd({
    clients: [PG_USER],
    servers: [{ user: ARCHIVE_USER, path: `${binPath('').replace(/\/$/, '')}:/usr/local/bin:/usr/bin:/bin` }, { user: BARMAN_USER }],
  });
  try {
    const walshipCfg = await writeBarmanConfig({ dir: await makeTempDir('walship-bench-ws-'), servers: [{ name: SERVER }], owner: ARCHIVE_USER });
    const barmanCfg = await writeBarmanConfig({ dir: await makeTempDir('walship-bench-bm-'), servers: [{ name: SERVER }], owner: BARMAN_USER });
    const incoming = (cfg: { barmanHome: string }) => join(cfg.barmanHome, SERVER, 'incoming');
    const emptyIncoming = (cfg: { barmanHome: string }) => async () => {
      for (const name of await readdir(incoming(cfg))) await rm(join(incoming(cfg), name), { force: true });
    };
    const statusDir = join(work, 'segments', 'archive_status');
    const batchDir = join(work, 'batch-records');
    const localCfg = await writeBarmanConfig({ dir: await makeTempDir('walship-bench-local-'), servers: [{ name: SERVER }], owner: PG_USER });
    const plainCopy = join(work, 'copy');
    await ensureOwnedDir(plainCopy, pgUser, 0o755);

    const archive = (client: string, user: string, cfg: string, extra: string[] = []) => (segment: string) => [
      client, '-U', user, '-c', cfg, ...extra, sshd.host, SERVER, segment,
    ];
    const archiveResults: Result[] = [];
    for (const scenario of [
      { name: 'barman-wal-archive → barman put-wal (reference)', argv: archive('/usr/bin/barman-wal-archive', BARMAN_USER, barmanCfg.configPath), prepare: emptyIncoming(barmanCfg) },
      { name: 'barman-wal-archive → walship-server put-wal', argv: archive('/usr/bin/barman-wal-archive', ARCHIVE_USER, walshipCfg.configPath), prepare: emptyIncoming(walshipCfg) },
      { name: 'walship-archive --md5 → barman put-wal', argv: archive(binPath('walship-archive'), BARMAN_USER, barmanCfg.configPath, ['--md5']), prepare: emptyIncoming(barmanCfg) },
      { name: 'walship-archive → walship-server (ssh per call)', argv: archive(binPath('walship-archive'), ARCHIVE_USER, walshipCfg.configPath), prepare: emptyIncoming(walshipCfg) },
      { name: 'walship-archive --reuse-connection 60 → walship-server', argv: archive(binPath('walship-archive'), ARCHIVE_USER, walshipCfg.configPath, ['--reuse-connection', '60']), prepare: emptyIncoming(walshipCfg) },
      { name: 'walship-archive --md5 --reuse-connection 60 → barman put-wal', argv: archive(binPath('walship-archive'), BARMAN_USER, barmanCfg.configPath, ['--md5', '--reuse-connection', '60']), prepare: emptyIncoming(barmanCfg) },
      {
        name: 'walship-archive --batch 16 --reuse-connection 60 (backlog: all segments .ready)',
        argv: archive(binPath('walship-archive'), ARCHIVE_USER, walshipCfg.configPath, ['--batch', '16', '--batch-dir', batchDir, '--reuse-connection', '60']),
        prepare: async () => {
          await emptyIncoming(walshipCfg)();
          await rm(batchDir, { recursive: true, force: true });
          await ensureOwnedDir(batchDir, pgUser, 0o700);
          await ensureOwnedDir(statusDir, pgUser, 0o755);
          for (const name of names) await writeFile(join(statusDir, `${name}.ready`), '');
          await run(['chown', '-R', PG_USER, statusDir]);
        },
        after: async (segment: string) => {
          const name = segment.split('/').pop() as string;
          await rename(join(statusDir, `${name}.ready`), join(statusDir, `${name}.done`));
        },
      },
      { name: 'walship-archive --transport local (no ssh)', argv: (s: string) => [binPath('walship-archive'), '--transport', 'local', '-c', localCfg.configPath, 'local', SERVER, s], prepare: emptyIncoming(localCfg) },
      { name: 'baseline: cp + fsync (dd conv=fsync)', argv: (s: string) => ['dd', `if=${s}`, `of=${join(plainCopy, s.split('/').pop() as string)}`, 'bs=1M', 'conv=fsync', 'status=none'] },
    ] satisfies Scenario[]) {
      archiveResults.push(await timeScenario(scenario, segments));
    }
    report('archive_command', archiveResults);

    // Restore: both archives hold the same segments under wals/<hash>/ (where Barman's archiver puts them).
    for (const cfg of [walshipCfg, barmanCfg]) {
      for (const segment of segments) {
        const name = segment.split('/').pop() as string;
        const dir = join(cfg.barmanHome, SERVER, 'wals', name.slice(0, 16));
        await mkdir(dir, { recursive: true });
        await copyFile(segment, join(dir, name));
      }
      await run(['chown', '-R', cfg === barmanCfg ? BARMAN_USER : ARCHIVE_USER, join(cfg.barmanHome, SERVER)]);
    }
    const dest = join(work, 'restored');
    await ensureOwnedDir(dest, pgUser, 0o755);
    const spool = join(work, 'spool');
    const resetSpool = async () => {
      await rm(spool, { recursive: true, force: true });
      await ensureOwnedDir(spool, pgUser, 0o755);
    };
    const restore = (client: string, user: string, cfg: string, extra: string[] = []) => (_s: string, i: number) => [
      client, '-U', user, '-c', cfg, '--spool-dir', spool, ...extra, sshd.host, SERVER, names[i] as string, join(dest, `RECOVERYXLOG.${i}`),
    ];
    const restoreResults: Result[] = [];
    for (const scenario of [
      { name: 'barman-wal-restore ← barman get-wal (reference)', argv: restore('/usr/bin/barman-wal-restore', BARMAN_USER, barmanCfg.configPath), prepare: resetSpool },
      { name: 'barman-wal-restore -p 8 ← barman get-wal', argv: restore('/usr/bin/barman-wal-restore', BARMAN_USER, barmanCfg.configPath, ['-p', '8']), prepare: resetSpool },
      { name: 'barman-wal-restore ← walship-server get-wal', argv: restore('/usr/bin/barman-wal-restore', ARCHIVE_USER, walshipCfg.configPath), prepare: resetSpool },
      { name: 'walship-restore ← barman get-wal', argv: restore(binPath('walship-restore'), BARMAN_USER, barmanCfg.configPath), prepare: resetSpool },
      { name: 'walship-restore ← walship-server (ssh per call)', argv: restore(binPath('walship-restore'), ARCHIVE_USER, walshipCfg.configPath), prepare: resetSpool },
      { name: 'walship-restore -p 8 ← walship-server', argv: restore(binPath('walship-restore'), ARCHIVE_USER, walshipCfg.configPath, ['-p', '8']), prepare: resetSpool },
      { name: 'walship-restore -p 8 --reuse-connection 30 ← walship-server', argv: restore(binPath('walship-restore'), ARCHIVE_USER, walshipCfg.configPath, ['-p', '8', '--reuse-connection', '30']), prepare: resetSpool },
      { name: 'walship-restore -p 8 --reuse-connection 30 ← barman get-wal', argv: restore(binPath('walship-restore'), BARMAN_USER, barmanCfg.configPath, ['-p', '8', '--reuse-connection', '30']), prepare: resetSpool },
    ] satisfies Scenario[]) {
      restoreResults.push(await timeScenario(scenario, segments));
    }
    report('restore_command', restoreResults);
  } finally {
    await sshd.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
