// Where a segment sits in the WAL stream, whatever its timeline: the order the agent's cursor,
// drop rules and publish gate compare by. (log, seg) orders segments of one cluster because its
// segment size never changes (it is fixed at initdb).

import type { WalName } from '../../wal/name.js';

/** <0, 0, >0 as a is before, at, after b in the stream, timelines ignored. */
export const comparePosition = (a: WalName, b: WalName): number => a.log - b.log || a.seg - b.seg;

export const isBefore = (a: WalName, b: WalName): boolean => comparePosition(a, b) < 0;
export const isAfter = (a: WalName, b: WalName): boolean => comparePosition(a, b) > 0;
