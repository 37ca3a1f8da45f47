// Thresholds and switches of one check run, all passed in (the command line fills them).

export interface CheckOptions {
  /** Milliseconds since the epoch: "now" for every age. */
  readonly now: number;
  /** Age of the last archived segment (seconds) that makes a WARNING, and a CRITICAL. */
  readonly ageWarning: number;
  readonly ageCritical: number;
  /** errors/ entries newer than this (ms since the epoch) are reported. */
  readonly errorsSince: number;
  /** Days of free space left at the recent rate that make a WARNING, and a CRITICAL. */
  readonly spaceWarningDays: number;
  readonly spaceCriticalDays: number;
  /** With a separate archiver: a file waiting in incoming/ longer than this (seconds) is a backlog. */
  readonly backlogAge: number;
  /** Decode every stored file (--verify), with this many in flight. */
  readonly verify: boolean;
  readonly jobs: number;
  /** Progress lines for a terminal (--verify); undefined: none. */
  readonly progress: ((text: string) => void) | undefined;
}

export const DEFAULT_THRESHOLDS = {
  ageWarning: 3600,
  ageCritical: 86400,
  errorsSince: 86400,
  spaceWarningDays: 7,
  spaceCriticalDays: 1,
  backlogAge: 600,
} as const;
