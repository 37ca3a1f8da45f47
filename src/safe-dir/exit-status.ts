// walship-safe-dir's exit statuses: one table for the PostgreSQL-host verbs, one for notify.

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

export function localExitStatus(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof InvalidWalNameError) return EXIT.invalidName;
  if (error instanceof SafeDirUnusableError) return EXIT.safeDirUnusable;
  return EXIT.unexpected;
}

export function notifyExitStatus(error: unknown): number {
  if (error instanceof UsageError) return NOTIFY_EXIT.usage;
  if (error instanceof SshConnectError) return NOTIFY_EXIT.sshFailed;
  if (error instanceof RemoteCommandError) return NOTIFY_EXIT.remoteFailed;
  return NOTIFY_EXIT.unexpected;
}
