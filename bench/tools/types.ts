// What a tool is to the scenarios: a PostgreSQL command line (archive_command with %p, or
// restore_command with %f %p) for a given data dir, plus how to empty its archive between runs.

export type Family = 'walship' | 'barman' | 'pgbackrest' | 'floor';

export interface Tool {
  /** Stable id used by the WALSHIP_BENCH_*_TOOLS knobs and the report (e.g. `pgbackrest-async-ssh`). */
  id: string;
  /** What the report prints. */
  label: string;
  family: Family;
  /** Async tools get a second pass (their fast path) and an agent/queue wait. */
  async: boolean;
  /** The command PostgreSQL would run, for a cluster whose data directory is dataDir. */
  command(dataDir: string): string;
  /** Before each run: an empty archive (archive tools) or an empty spool (restore tools). */
  reset(): Promise<void>;
  /** The background agent serving dataDir, when the tool has one (its VmHWM is reported). */
  agentPid?(dataDir: string): Promise<number | undefined>;
  /** Async archive tools: true once every name is acknowledged, so a second pass measures the fast path only. */
  allAcked?(dataDir: string, names: readonly string[]): Promise<boolean>;
}
