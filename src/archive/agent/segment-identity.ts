// Is a ready file really the segment its name claims, from this cluster? Checked before it goes
// into a put-wal stream (design §2, SPEC §7): a recycled, truncated or foreign file is never shipped.

import { open } from 'node:fs/promises';
import { LONG_HEADER_SIZE, validateSegment } from '../../wal/header.js';
import type { WalName } from '../../wal/name.js';


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
    const check = validateSegment(wal, head.subarray(0, bytesRead), (await handle.stat()).size, systemId);
    return check.ok ? undefined : check.reason;
  } finally {
    await handle.close();
  }
}
