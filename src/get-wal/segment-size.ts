// The segment size a stored WAL file records in its long page header, so --peek can name the next
// segments exactly; the file may be stored compressed.

import { readStoredHead } from '../codec/stored.js';
import { checkSegment, readSegmentHeader, LONG_HEADER_SIZE } from '../wal/header.js';
import type { WalName } from '../wal/name.js';

/** Trusted only when the rest of the header (magic, page address, timeline) says the file is the segment `wal` names. */
export async function storedSegmentSize(path: string, wal: WalName): Promise<number | undefined> {
  const head = await readStoredHead(path, LONG_HEADER_SIZE);
  const header = head === undefined ? undefined : readSegmentHeader(head);
  if (head === undefined || header === undefined) return undefined;
  const check = checkSegment(wal, head, header.segmentSize);
  return check.ok ? check.header.segmentSize : undefined;
}
