// The recovering cluster's system identifier (SPEC §7), as every restore path asks for it.

import { say, type CommandIO } from '../cli/io.js';
import { readClusterIdentity, type ClusterIdentity } from '../wal/cluster-identity.js';
import type { WalName } from '../wal/name.js';

/**
 * Read once per call, only for files that carry one (segments and .partial); a history or .backup
 * file needs no pg_control, so asks for none and prints no NOTE.
 */
export async function expectedSystemIdentifier(wal: WalName, io: CommandIO): Promise<bigint | undefined> {
  if (wal.kind !== 'segment' && wal.kind !== 'partial') return undefined;
  return expectedSystemIdentifierOf(wal, await readClusterIdentity(), io);
}

/** The same from an identity the caller already read (it also decides the spool's namespace). */
export function expectedSystemIdentifierOf(wal: WalName, identity: ClusterIdentity, io: CommandIO): bigint | undefined {
  if (wal.kind !== 'segment' && wal.kind !== 'partial') return undefined;
  if (identity.known) return identity.systemIdentifier;
  say(io, identity.note);
  return undefined;
}
