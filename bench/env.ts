// The bench's knobs: every count and duration comes from the environment, with defaults that keep a
// whole `npm run bench` under about 15 minutes on this 2-core machine.

const num = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw}: expected a number ≥ ${min}`);
  return value;
};

const list = (name: string, fallback: readonly string[]): string[] => {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? [...fallback] : raw.split(',').map((s) => s.trim()).filter(Boolean);
};

export type ScenarioId = 'startup' | 'startup-forms' | 'archive' | 'sustained' | 'restore' | 'pitr' | 's3-archive' | 's3-restore';

export const BENCH_ENV = {
  /** (a) and (c): segments per tool (issue 9: 16 or more). */
  segments: num('WALSHIP_BENCH_SEGMENTS', 16),
  /** (d): segments of pgbench WAL between the base backup and the recovery target (≥ 30). */
  pitrSegments: num('WALSHIP_BENCH_PITR_SEGMENTS', 32),
  /** (b): how long pgbench runs per tool. */
  sustainedSeconds: num('WALSHIP_BENCH_SUSTAINED_SECONDS', 60),
  /** (b): how long to wait for the .ready backlog to drain after pgbench before giving up. */
  drainSeconds: num('WALSHIP_BENCH_DRAIN_SECONDS', 90),
  /** (b): pgbench scale of the template cluster. */
  pgbenchScale: num('WALSHIP_BENCH_SCALE', 10),
  /** Start-up probes: calls per command. */
  startupRuns: num('WALSHIP_BENCH_STARTUP_RUNS', 10),
  /** Start-up of the shipped forms (scripts/startup-bench.mjs): interleaved rounds. */
  formsRuns: num('WALSHIP_BENCH_FORMS_RUNS', 30),
  scenarios: list('WALSHIP_BENCH_SCENARIOS', ['startup', 'startup-forms', 'archive', 'sustained', 'restore', 'pitr', 's3-archive', 's3-restore']) as ScenarioId[],
  /** Tool ids per scenario (see bench/tools/*.ts); empty = the scenario's default set. */
  archiveTools: list('WALSHIP_BENCH_ARCHIVE_TOOLS', []),
  sustainedTools: list('WALSHIP_BENCH_SUSTAINED_TOOLS', ['barman', 'walship-reuse', 'walship-async', 'pgbackrest-async-ssh', 'dd']),
  restoreTools: list('WALSHIP_BENCH_RESTORE_TOOLS', []),
  pitrTools: list('WALSHIP_BENCH_PITR_TOOLS', []),
  /** (e) and (f), against the S3 store (bench/tools/object-store.ts). */
  s3ArchiveTools: list('WALSHIP_BENCH_S3_ARCHIVE_TOOLS', []),
  s3RestoreTools: list('WALSHIP_BENCH_S3_RESTORE_TOOLS', []),
  /** Set to 1 to keep the work dir and the scenario data dirs (agent logs) for debugging. */
  keep: process.env.WALSHIP_BENCH_KEEP === '1',
  /** Set to 0 to leave README.md alone (results still go to bench/results/). */
  writeReadme: process.env.WALSHIP_BENCH_README !== '0',
} as const;

/** Keeps the tools whose id is listed, or all when the list is empty. */
export const pick = <T extends { id: string }>(tools: T[], ids: readonly string[]): T[] =>
  ids.length === 0 ? tools : tools.filter((t) => ids.includes(t.id));
