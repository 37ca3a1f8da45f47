// Nagios plugin statuses (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), shared by walship-server check and
// walship-archive --check: Icinga, Naemon and NRPE read the exit status and the first stdout line.

export type Status = 'ok' | 'warning' | 'critical' | 'unknown';

export const NAGIOS_EXIT: Readonly<Record<Status, number>> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export const STATUS_LABEL: Readonly<Record<Status, string>> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', unknown: 'UNKNOWN' };

/**
 * Worst first: CRITICAL, then UNKNOWN, then WARNING. A part that could not be checked hides a
 * problem a warning would not, so UNKNOWN outranks WARNING (the order check_multi uses), but a
 * proven failure still outranks "could not look".
 */
const RANK: Readonly<Record<Status, number>> = { ok: 0, warning: 1, unknown: 2, critical: 3 };

export const worstStatus = (statuses: Iterable<Status>): Status => {
  let worst: Status = 'ok';
  for (const status of statuses) if (RANK[status] > RANK[worst]) worst = status;
  return worst;
};
