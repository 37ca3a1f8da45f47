// The recovering cluster's system identifier, the first field of ControlFileData in
// global/pg_control (include/catalog/pg_control.h, uint64 at offset 0 since 8.x). Kept behind this
// one function so that issue 8's reader (branch fix-sysid) replaces it in one line when it lands.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export const PG_CONTROL_PATH = join('global', 'pg_control');
const SYSID_BYTES = 8;

/**
 * The identifier, or undefined when pg_control is missing, unreadable or too short: then the
 * agent publishes nothing (design §3.3) and every call is a plain fetch with header checks.
 * Host byte order, as PostgreSQL writes it; every supported platform here is little-endian.
 */
export async function readClusterSysid(dataDir: string): Promise<bigint | undefined> {
  try {
    const handle = await open(join(dataDir, PG_CONTROL_PATH), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(SYSID_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, SYSID_BYTES, 0);
      return bytesRead === SYSID_BYTES ? buffer.readBigUInt64LE(0) : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
