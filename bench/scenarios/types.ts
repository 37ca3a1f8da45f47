// Results of the scenarios, as report.ts prints them.

import type { Tool } from '../tools/types.js';

/** (a) and (c): one tool's sequential calls. */
export interface SeqResult {
  tool: Tool;
  /** ms per call, in call order (first pass). */
  calls: number[];
  /** Async archive: a second pass over acknowledged segments (the fast path only). */
  fastPath?: number[];
  /** First call start → last call's exit 0: for async, when the last ack is durable. */
  wallMs: number;
  agentHwmKb?: number;
  /** Why the tool stopped early (non-zero exit, bad size); the report prints it. */
  error?: string;
}

/** (b): one tool under pgbench. */
export interface SustainedResult {
  tool: Tool;
  seconds: number;
  writtenMBps: number;
  /** Segments archived during the load window × 16 MiB / seconds. */
  archivedMBps: number;
  peakReady: number;
  finalReady: number;
  /** Seconds from pgbench's end to an empty backlog; undefined when it did not drain in time. */
  drainSeconds?: number;
  failedCount: number;
  tps?: number;
  agentHwmKb?: number;
  error?: string;
}

/** (d): one tool's point-in-time recovery. */
export interface PitrResult {
  tool: Tool;
  /** postgres start → accepting connections after the promotion at the target. */
  seconds?: number;
  segments: number;
  agentHwmKb?: number;
  error?: string;
}

/** Start-up probes. */
export interface StartupResult {
  label: string;
  calls: number[];
}

/** One shipped form's `walship-archive --version` (scripts/startup-bench.mjs); no times when not built. */
export interface FormTiming {
  label: string;
  /** The file the form needs (bundle, wrapper or binary). */
  path: string;
  median?: number;
  min?: number;
  max?: number;
}

/** Start-up of the shipped forms. */
export interface FormsResult {
  runs: number;
  forms: FormTiming[];
  /** Why the SEA could not be packaged (its rows are then not measured). */
  packageError?: string;
  /** Why the whole measurement failed. */
  error?: string;
}
