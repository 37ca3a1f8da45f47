// get-wal --peek: the names of up to N existing WAL files starting at the requested one (SPEC §5).
// Pure logic; existence and segment size come from the caller so the order can be unit-tested.

import { isValidSegmentSize, nextSegment, nextSegmentCandidates, type WalName } from '../wal/name.js';

export interface PeekSources {
  /** Is the file present in the archive, incoming or streaming (partials are never prefetched)? */
  exists(wal: WalName): Promise<boolean>;
  /** The segment size its long page header records, or undefined when it cannot be read. */
  segmentSize(wal: WalName): Promise<number | undefined>;
}

/**
 * Lists existing names from `start` on. With the size from the first segment's header the next
 * name is exact; without it (unreadable header) every candidate successor is tried, most likely
 * first, which is how Barman walks across log boundaries without knowing the size. A history or
 * backup file has no successor: it is listed alone if it exists.
 */
export async function peekWalNames(start: WalName, count: number, sources: PeekSources): Promise<string[]> {
  if (count < 1 || !(await sources.exists(start))) return [];
  if (start.kind !== 'segment') return [start.name];
  const size = await sources.segmentSize(start);
  const knownSize = size !== undefined && isValidSegmentSize(size) ? size : undefined;
  const names = [start.name];
  let current = start;
  while (names.length < count) {
    const next = await findSuccessor(current, knownSize, sources);
    if (next === undefined) break;
    names.push(next.name);
    current = next;
  }
  return names;
}

async function findSuccessor(wal: WalName, size: number | undefined, sources: PeekSources): Promise<WalName | undefined> {
  const candidates = size === undefined ? nextSegmentCandidates(wal) : [nextSegment(wal, size)];
  for (const candidate of candidates) {
    if (await sources.exists(candidate)) return candidate;
  }
  return undefined;
}
