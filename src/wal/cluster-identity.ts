// Which cluster is recovering (SPEC §7): PostgreSQL runs restore_command with the data directory as
// its working directory, and pg_control's first field (ControlFileData.system_identifier, a u64 in
// host byte order, little-endian on every supported platform) names the cluster whose WAL it may replay.

import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Relative on purpose: resolved against the working directory, i.e. the data directory. */
export const PG_CONTROL = 'global/pg_control';

export type ClusterIdentity = { known: true; systemIdentifier: bigint } | { known: false; note: string };

/**
 * Reads the identifier once. Unreadable is not an error: pg_rewind runs restore_command from elsewhere,
 * and a directory being prepared may not have pg_control yet; the caller then delivers unchecked,
 * with the returned NOTE so the skip is visible.
 */
export async function readClusterIdentity(path = PG_CONTROL): Promise<ClusterIdentity> {
  const where = resolve(path);
  try {
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
      if (bytesRead === 8) return { known: true, systemIdentifier: buffer.readBigUInt64LE(0) };
      return { known: false, note: noteFor(where, `it has only ${bytesRead} bytes`) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { known: false, note: noteFor(where, (error as Error).message) };
  }
}

const noteFor = (where: string, why: string): string =>
  `NOTE: system identifier not checked: cannot read ${where} (${why}); restore_command is not running in a data directory (pg_rewind?)`;

/** The identifier of the cluster in `dataDir` (the agents know it by path), or undefined when unreadable. */
export async function systemIdentifierOf(dataDir: string): Promise<bigint | undefined> {
  const identity = await readClusterIdentity(join(dataDir, PG_CONTROL));
  return identity.known ? identity.systemIdentifier : undefined;
}
