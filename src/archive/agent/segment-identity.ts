// Is a ready file really the segment its name claims, from this cluster? Checked before it goes
// into a put-wal stream (design §2, SPEC §7): a recycled, truncated or foreign file is never shipped.

import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSegment, LONG_HEADER_SIZE } from '../../wal/header.js';
import type { WalName } from '../../wal/name.js';

/**
 * The cluster's system identifier: ControlFileData starts with it (pg_control.h, a u64 in host
 * order). The one place the agent reads it: issue 8's pg_control reader replaces this body.
 * undefined when global/pg_control cannot be read, which skips only the sysid comparison.
 */
export async function readSystemIdentifier(dataDir: string): Promise<bigint | undefined> {
  const bytes = await readFile(join(dataDir, 'global', 'pg_control')).catch(() => undefined);
  return bytes !== undefined && bytes.length >= 8 ? bytes.readBigUInt64LE(0) : undefined;
}

/**
 * undefined when `path` may be shipped as `wal`, else the reason it must not be. Only complete
 * segments have a long header to check; history, backup labels and .partial files go as they are.
 */
export async function segmentMismatch(path: string, wal: WalName, systemId: bigint | undefined): Promise<string | undefined> {
  if (wal.kind !== 'segment') return undefined;
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(LONG_HEADER_SIZE);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const check = checkSegment(wal, head.subarray(0, bytesRead), (await handle.stat()).size);
    if (!check.ok) return check.reason;
    if (systemId !== undefined && check.header.systemIdentifier !== systemId) {
      return `system identifier ${check.header.systemIdentifier} is not this cluster's ${systemId}`;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
