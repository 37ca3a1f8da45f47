// Checks a spooled segment on the open descriptor that will be delivered or published, so the
// file checked is the file used: a regular file, ours, 0600, the complete segment its name claims
// (long page header: page address, timeline, segment size) with the cluster's system identifier.

import type { FileHandle } from 'node:fs/promises';
import { checkSegment, LONG_HEADER_SIZE, type SegmentHeader } from '../../wal/header.js';
import type { WalName } from '../../wal/name.js';

export type HeldCheck = { ok: true; header: SegmentHeader; size: number } | { ok: false; reason: string };

export interface HeldExpectations {
  /** global/pg_control's identifier; undefined (unreadable) fails the check: nothing is trusted then. */
  sysid: bigint | undefined;
  /** The queue's segment size, once known. */
  segmentSize?: number | undefined;
}

const fail = (reason: string): HeldCheck => ({ ok: false, reason });

export async function checkHeldSegment(handle: FileHandle, wal: WalName, expect: HeldExpectations): Promise<HeldCheck> {
  const info = await handle.stat();
  if (!info.isFile()) return fail('not a regular file');
  if (process.getuid !== undefined && info.uid !== process.getuid()) return fail(`owned by uid ${info.uid}, not by us`);
  if ((info.mode & 0o777) !== 0o600) return fail(`mode ${(info.mode & 0o777).toString(8)}, not 0600`);
  const head = Buffer.alloc(LONG_HEADER_SIZE);
  const { bytesRead } = await handle.read(head, 0, LONG_HEADER_SIZE, 0);
  const check = checkSegment(wal, head.subarray(0, bytesRead), info.size);
  if (!check.ok) return fail(check.reason);
  if (expect.segmentSize !== undefined && check.header.segmentSize !== expect.segmentSize) {
    return fail(`segment size ${check.header.segmentSize} is not the queue's ${expect.segmentSize}`);
  }
  if (expect.sysid === undefined) return fail('global/pg_control cannot be read to check the system identifier');
  if (check.header.systemIdentifier !== expect.sysid) {
    return fail(`system identifier ${check.header.systemIdentifier} is not this cluster's ${expect.sysid}`);
  }
  return { ok: true, header: check.header, size: info.size };
}
