// The one place a remote command's exit becomes an error: the transport failing (ssh exit 255, a
// dropped connection, no ssh program) is SshConnectError, never the remote's answer; a non-zero
// status the remote gave is RemoteCommandError carrying that status. Callers word the messages.

import { RemoteCommandError, SshConnectError } from '../errors.js';
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
