// The recovering cluster's system identifier (SPEC §7), as every restore path asks for it.

import { say, type CommandIO } from '../cli/io.js';
import { readClusterIdentity } from '../wal/cluster-identity.js';
import type { WalName } from '../wal/name.js';

/**
 * Read once per call, only for files that carry one (segments and .partial); a history or .backup
 * file needs no pg_control, so asks for none and prints no NOTE.
 */
export async function expectedSystemIdentifier(wal: WalName, io: CommandIO): Promise<bigint | undefined> {
  if (wal.kind !== 'segment' && wal.kind !== 'partial') return undefined;
  const identity = await readClusterIdentity();
  if (identity.known) return identity.systemIdentifier;
  say(io, identity.note);
  return undefined;
}
