// walship-safe-dir's exit statuses: one table for the PostgreSQL-host verbs, one for notify.

import type { ExitTable } from '../cli/exit-table.js';
import { InvalidWalNameError, RemoteCommandError, SafeDirUnusableError, SshConnectError, UsageError } from '../errors.js';

/**
 * check, mark and sweep. All stay at or below 125: PostgreSQL treats an archive_command status
 * above 125 (or a signal) as fatal and restarts its archiver instead of simply retrying.
 */
export const EXIT = {
  ok: 0,
  /** check: no marker yet (after --wait); PostgreSQL retries the file later. */
  notYet: 1,
  usage: 2,
  invalidName: 3,
  safeDirUnusable: 4,
  unexpected: 5,
} as const;

/**
 * notify. Barman re-runs a retry hook until it exits 0, 62 (abort, continue) or 63 (abort, stop);
 * every failure that a retry can cure (ssh down, remote refused, a configuration the operator can
 * still fix) must therefore avoid 62 and 63, and only answers no retry can change use 62.
 */
export const NOTIFY_EXIT = {
  ok: 0,
  /** ssh could not connect or was cut (its 255), or could not be started. */
  sshFailed: 1,
  usage: 2,
  /** The remote mark ran and refused (its own status is in the message). */
  remoteFailed: 3,
  unexpected: 5,
  /** Barman's ABORT_CONTINUE: invalid BARMAN_SEGMENT, failed archiving, wrong hook. */
  abortContinue: 62,
} as const;

/** check, mark and sweep failures. */
export const LOCAL_EXIT: ExitTable = {
  rows: [
    [UsageError, EXIT.usage],
    [InvalidWalNameError, EXIT.invalidName],
    [SafeDirUnusableError, EXIT.safeDirUnusable],
  ],
  unexpected: EXIT.unexpected,
};

/** notify failures; none of them is 62 or 63, so Barman retries the hook. */
export const NOTIFY_EXIT_TABLE: ExitTable = {
  rows: [
    [UsageError, NOTIFY_EXIT.usage],
    [SshConnectError, NOTIFY_EXIT.sshFailed],
    [RemoteCommandError, NOTIFY_EXIT.remoteFailed],
  ],
  unexpected: NOTIFY_EXIT.unexpected,
};
