// Reads the environment Barman gives an archive hook and decides what notify should do.
//
// Barman (barman/hooks.py, 2.x and 3.x) sets for every hook BARMAN_VERSION, BARMAN_SERVER,
// BARMAN_CONFIGURATION, BARMAN_HOOK ("archive_retry_script"), BARMAN_RETRY ("1" for retry hooks)
// and BARMAN_PHASE ("pre"/"post"); for WAL hooks also BARMAN_SEGMENT (the file name),
// BARMAN_FILE (its path: the streaming source in "pre", the archived file in "post"), BARMAN_SIZE,
// BARMAN_TIMESTAMP, BARMAN_COMPRESSION and BARMAN_ERROR. The post hook runs from a `finally`
// (wal_archiver.py), so it also runs when archiving FAILED; BARMAN_ERROR is then non-empty.

import { parseWalName, type WalName } from '../wal/name.js';

export type NotifyPlan =
  /** Nothing to mark, and nothing wrong: exit 0. */
  | { action: 'skip'; message: string }
  /** Retrying the hook cannot change the answer: exit 62, Barman logs it and carries on. */
  | { action: 'abort'; message: string }
  | { action: 'mark'; wal: WalName; notes: string[] };

/** Barman's exception text for "already archived with identical content" (WALFileException.__str__). */
const MATCHING_DUPLICATE = 'MatchingDuplicateWalFile:';
const ARCHIVE_HOOKS = new Set(['archive_retry_script', 'archive_script']);

/** A hostile value is shown, never used: quoted, control characters escaped, length capped. */
export const printable = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

export function planNotify(env: NodeJS.ProcessEnv): NotifyPlan {
  const phase = env['BARMAN_PHASE'];
  // pre: the file is still only in the streaming dir; calling it safe now could lose it.
  if (phase === 'pre') return { action: 'skip', message: 'BARMAN_PHASE=pre: the WAL file is not archived yet; notify acts in the post phase' };
  if (phase !== undefined && phase !== 'post') return { action: 'abort', message: `unexpected BARMAN_PHASE ${printable(phase)}` };
  const hook = env['BARMAN_HOOK'];
  // e.g. post_wal_delete_retry_script also sets BARMAN_SEGMENT: a deleted file is not a safe one.
  if (hook !== undefined && !ARCHIVE_HOOKS.has(hook)) {
    return { action: 'abort', message: `notify runs as post_archive_retry_script, not as ${printable(hook)}` };
  }
  const segment = env['BARMAN_SEGMENT'];
  if (segment === undefined) return { action: 'abort', message: 'BARMAN_SEGMENT is not set: notify runs as Barman\'s post_archive_retry_script' };
  const wal = parseWalName(segment);
  if (!wal) return { action: 'abort', message: `BARMAN_SEGMENT ${printable(segment)} is not a WAL file name; no marker created` };

  const notes: string[] = [];
  const error = env['BARMAN_ERROR'] ?? '';
  if (error.startsWith(MATCHING_DUPLICATE)) notes.push(`Barman already had ${wal.name} with identical content`);
  else if (error !== '') {
    // The file stays in the streaming dir and the next `barman cron` archives it and runs us again.
    return { action: 'abort', message: `Barman did not archive ${wal.name} (${printable(error)}); no marker created` };
  }
  if (wal.kind === 'backup' || wal.kind === 'partial') {
    return { action: 'skip', message: `${wal.name} needs no marker: check accepts .backup and .partial names without one` };
  }
  if (env['BARMAN_RETRY'] === '0') notes.push('WARNING: notify runs as a non-retry hook, so a failed ssh is never retried; use post_archive_retry_script');
  return { action: 'mark', wal, notes };
}
