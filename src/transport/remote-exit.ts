// The one place a remote command's exit becomes an error: the transport failing (ssh exit 255, a
// dropped connection, no ssh program) is SshConnectError, never the remote's answer; a non-zero
// status the remote gave is RemoteCommandError carrying that status, except get-wal's "not
// available" answer, which is a result (isNotAvailable). Callers word the messages.

import { RemoteCommandError, SshConnectError } from '../errors.js';
import { unknownServerMessage, walNotFoundMessage } from './barman-command.js';
import type { RemoteExit } from './transport.js';

/** The remote's status; throws SshConnectError (message from `unreachable`) when the transport failed. */
export function remoteStatus(exit: RemoteExit, unreachable: (detail: string) => string = (detail) => detail): number {
  if (exit.status === undefined) throw new SshConnectError(unreachable(exit.transportError));
  return exit.status;
}

export interface RemoteFailureWords {
  unreachable?: (detail: string) => string;
  failed: (status: number) => string;
  hint?: (status: number) => string | undefined;
}

/** Resolves only for status 0: a transport failure or any other status throws. */
export function requireRemoteSuccess(exit: RemoteExit, words: RemoteFailureWords): void {
  const status = remoteStatus(exit, words.unreachable);
  if (status !== 0) throw new RemoteCommandError(words.failed(status), status, { hint: words.hint?.(status) });
}

/** Barman's status for "cannot serve it" (and, in 3.4, for many real failures too). */
const NOT_AVAILABLE_STATUS = 1;
/** Barman 3.4 appends the ssh client's address to its not-found line when called over ssh. */
const SSH_HOST_SUFFIX = /^ \(SSH host: [^)]*\)$/;

/** Which "not available" answer get-wal gave: the routine one, or a configuration worth showing. */
export type NotAvailableAnswer = 'wal-not-found' | 'unknown-server';

/**
 * Did get-wal answer "not available": status 1 AND, on its stderr, Barman's line saying the WAL file
 * is not in the archive (when `walName` is given) or that the server is unknown? Barman exits 1 for
 * a corrupt stored file or a broken configuration as well, and PostgreSQL reads our exit 1 as "not
 * in the archive" (it may end recovery there), so the status alone never suffices.
 */
export function notAvailableAnswer(exit: RemoteExit, serverName: string, walName?: string): NotAvailableAnswer | undefined {
  if (exit.status !== NOT_AVAILABLE_STATUS || exit.stderrTail === undefined) return undefined;
  const lines = exit.stderrTail.split('\n');
  const said = (message: string): boolean => {
    const answer = `ERROR: ${message}`;
    return lines.some((line) => line === answer || (line.startsWith(answer) && SSH_HOST_SUFFIX.test(line.slice(answer.length))));
  };
  if (walName !== undefined && said(walNotFoundMessage(walName, serverName))) return 'wal-not-found';
  return said(unknownServerMessage(serverName)) ? 'unknown-server' : undefined;
}

/** notAvailableAnswer as a yes/no, for callers that treat both answers alike. */
export const isNotAvailable = (exit: RemoteExit, serverName: string, walName?: string): boolean =>
  notAvailableAnswer(exit, serverName, walName) !== undefined;
