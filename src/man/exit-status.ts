// The EXIT STATUS section from an executable's exit table (src/cli/exit-table.ts): one line per
// status, naming each error that maps to it. The phrases live here, keyed by error class name;
// test/unit/man/pages.test.ts fails when a table gains a row with no phrase.

import type { ExitTable } from '../cli/exit-table.js';

export const ERROR_PHRASES: Readonly<Record<string, string>> = {
  UsageError: 'a command-line mistake (unknown option, missing argument)',
  SshConnectError: 'ssh itself failed (ssh exit 255: unreachable, authentication, host key)',
  RemoteCommandError: 'the remote command failed',
  DestinationUnusableError: 'the destination is unusable (a directory, not writable)',
  CompressionError: 'a compressed file could not be produced or decoded (a missing xz, zstd, lz4 or bzip2 program)',
  InvalidSegmentError: "a segment whose page header does not match its name, size or the cluster's system identifier",
  InvalidWalNameError: 'an invalid WAL file name',
  InvalidServerNameError: 'an invalid server name',
  UnknownServerError: 'an unknown server',
  ServerInactiveError: 'the server is not active',
  ConfigError: 'an unreadable or invalid Barman configuration',
  SafeDirUnusableError: 'the safe dir is unusable (wrong owner or mode, a symbolic link)',
  ObjectStoreError: 'the object store (an s3:// target) refused the request, or did not answer after the retries',
  ObjectStoreConfigError: 'an s3:// target without usable credentials, region or endpoint',
};

export interface ExitLine {
  status: string;
  meaning: string;
}

/**
 * The table as lines, by status: the outcomes first (0, "not in the archive"), then each error
 * that maps to the status, then the computed rows ("other": the remote's own status).
 */
export function exitLines(table: ExitTable, outcomes: readonly ExitLine[] = []): ExitLine[] {
  const byStatus = new Map<number, string[]>();
  const add = (status: number, phrase: string): void => void byStatus.set(status, [...(byStatus.get(status) ?? []), phrase.replace(/\.$/, '')]);
  for (const { status, meaning } of outcomes) add(Number(status), meaning);
  const computed: string[] = [];
  for (const [type, status] of table.rows) {
    const phrase = ERROR_PHRASES[type.name] ?? type.name;
    if (typeof status === 'number') add(status, phrase);
    else computed.push(phrase);
  }
  add(table.unexpected, 'an unexpected internal error');
  const lines = [...byStatus].sort(([a], [b]) => a - b).map(([status, phrases]) => ({ status: String(status), meaning: `${phrases.join('; ')}.` }));
  return [...lines, ...computed.map((phrase) => ({ status: 'other', meaning: `${phrase}: its own exit status is passed on.` }))];
}
