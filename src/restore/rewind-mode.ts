// pg_rewind --restore-target-wal runs restore_command from its own process and cwd, with %p =
// <target datadir>/pg_wal/<name> (postgres src/fe_utils/archive.c). Such a call must not touch the
// async spool (whatever cwd it runs in, it is not the recovering cluster's pg_wal), write markers
// or start an agent (design §3.3; issue 10: a prefetcher serving pg_rewind a stale file). It
// fetches synchronously and checks the system identifier against the target's pg_control.

import { basename, dirname, resolve } from 'node:path';
import type { Transport } from '../transport/transport.js';
import type { WalName } from '../wal/name.js';
import { RECOVERY_XLOG_PATH, WAL_DIR } from '../agent/layout.js';
import type { RestoreOptions } from './args.js';
import { restoreWal } from './restore.js';
import { systemIdentifierOf } from '../wal/cluster-identity.js';

/** PostgreSQL's own recovery calls: pg_wal/RECOVERYXLOG and pg_wal/RECOVERYHISTORY, relative to its data dir. */
const isRecoveryCall = (walDest: string): boolean => walDest.startsWith(`${WAL_DIR}/RECOVERY`) && !walDest.includes('/', WAL_DIR.length + 1);

/**
 * The data directory of a pg_rewind-shaped call (%p not pg_wal/RECOVERY*, and named %f), else
 * undefined. `<datadir>/pg_wal/<name>`: two levels up, resolved against our cwd.
 */
export function rewindDataDir(walDest: string, walName: string): string | undefined {
  if (isRecoveryCall(walDest) || basename(walDest) !== walName) return undefined;
  return dirname(dirname(resolve(walDest)));
}

export const isRecoveryXlogCall = (walDest: string): boolean => walDest === RECOVERY_XLOG_PATH;

/**
 * Fetch → header check and system identifier against `<dataDir>/global/pg_control` when it can be
 * read (pg_rewind requires source and target to share it; fetchVerified refuses another one) →
 * rename onto %p.
 */
export async function restoreForRewind(
  options: RestoreOptions,
  wal: WalName,
  dataDir: string,
  transport: Transport,
  warn: (line: string) => void,
): Promise<'delivered' | 'not-found'> {
  const expected = wal.kind === 'segment' || wal.kind === 'partial' ? await systemIdentifierOf(dataDir) : undefined;
  const result = await restoreWal(options, wal, { transport, spool: undefined, systemIdentifier: expected, warn });
  return result.kind === 'delivered' ? 'delivered' : 'not-found';
}
