// What walship-restore tells PostgreSQL's log when the archive does not have the file asked for.
// Recovery asks for files that do not exist yet all the time: every promotion probes the next
// timeline's .history, and every archive catch-up ends on the segment not written yet. Barman's
// `ERROR:` line for each filled PostgreSQL's log with errors that were none (issue 10: 3–15 per
// run), where pgBackRest logs such probes quietly. The exit status (1) is unchanged (SPEC §1).

import type { NotAvailableAnswer } from '../transport/remote-exit.js';
import type { WalName } from '../wal/name.js';

/**
 * The line for a "not available" answer, or undefined for none: a history probe says nothing (it
 * is how PostgreSQL looks for a newer timeline); a segment gets one NOTE, so a standby waiting on
 * the archive still shows what it waits for. "Unknown server" is a configuration error, not a
 * probe: the remote's own ERROR line was printed (fetchToTemp), and nothing is added here.
 */
export function notAvailableNote(wal: WalName, serverName: string, answer: NotAvailableAnswer): string | undefined {
  if (answer !== 'wal-not-found' || wal.kind === 'history') return undefined;
  return `NOTE: WAL file '${wal.name}' is not in the archive of server '${serverName}'`;
}
