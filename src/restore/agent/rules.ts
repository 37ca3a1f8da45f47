// The restore agent's rules as pure functions (design §3.1, §3.2): which segment PostgreSQL is at
// (the cursor), which segments the queue may hold, which to fetch next, and whether a finished
// fetch may be published. A segment at or before the last one PostgreSQL asked for is never
// fetched, kept or published: that is the fix for issue 9's late-publish race.

import type { WalName } from '../../wal/name.js';
import { isAfter, isBefore } from './position.js';

/** What the marker directories say right now. */
export interface MarkerView {
  /** The newest served/ marker: the segment PostgreSQL received last. Undefined before the first. */
  readonly cursor: WalName | undefined;
  /** Names in asked/ (a Node call is fetching or has fetched them itself, or probed a timeline). */
  readonly asked: ReadonlySet<string>;
  readonly served: ReadonlySet<string>;
  /** The asked/ marker furthest along the stream: PostgreSQL has moved past everything before it. */
  readonly askedMax: WalName | undefined;
}

export interface ServedMarker {
  readonly wal: WalName;
  /** mtime in ns: the newest marker is the last delivery (design §3.1). */
  readonly mtimeNs: bigint;
}

/** The newest served marker by mtime; a tie goes to the one further along the stream. */
export function cursorOf(served: readonly ServedMarker[]): WalName | undefined {
  let best: ServedMarker | undefined;
  for (const marker of served) {
    if (best === undefined || marker.mtimeNs > best.mtimeNs || (marker.mtimeNs === best.mtimeNs && isAfter(marker.wal, best.wal))) best = marker;
  }
  return best?.wal;
}

/** The asked marker furthest along (timelines ignored: a probe asks the same position on each). */
export function furthestOf(asked: readonly WalName[]): WalName | undefined {
  let best: WalName | undefined;
  for (const wal of asked) if (best === undefined || isAfter(wal, best)) best = wal;
  return best;
}

/**
 * May the queue hold (or fetch) `wal`? Only a segment after the cursor on the cursor's timeline
 * that no Node call has asked for or been served, and not before anything PostgreSQL asked for.
 * A timeline probe that missed only wrote asked/ (at the cursor's next position), so it neither
 * switches the timeline nor drops the segment at that position on the cursor's timeline.
 */
export function isWanted(wal: WalName, view: MarkerView): boolean {
  const { cursor, askedMax } = view;
  if (cursor === undefined || wal.kind !== 'segment') return false;
  if (wal.timeline !== cursor.timeline || !isAfter(wal, cursor)) return false;
  if (view.asked.has(wal.name) || view.served.has(wal.name)) return false;
  return askedMax === undefined || !isBefore(wal, askedMax);
}

/** How many segments fit: --queue-max bytes counted at segment size, never fewer than JOBS+1. */
export const queueSlots = (queueMax: number, segmentSize: number, jobs: number): number =>
  Math.max(Math.max(1, jobs) + 1, Math.floor(queueMax / segmentSize));

export interface QueueState {
  readonly ready: ReadonlySet<string>;
  readonly inflight: ReadonlySet<string>;
  /** Names get-wal --peek listed, in stream order. */
  readonly planned: readonly WalName[];
  readonly slots: number;
  readonly jobs: number;
}

/**
 * The names to start fetching now: the wanted planned names inside the window (the first `slots`
 * wanted ones), not yet ready or in flight, bounded by free slots and free jobs.
 */
export function nextFetches(state: QueueState, view: MarkerView): WalName[] {
  const window = state.planned.filter((wal) => isWanted(wal, view)).slice(0, state.slots);
  const held = state.ready.size + state.inflight.size;
  const room = Math.min(state.slots - held, Math.max(1, state.jobs) - state.inflight.size);
  if (room <= 0) return [];
  return window.filter((wal) => !state.ready.has(wal.name) && !state.inflight.has(wal.name)).slice(0, room);
}

/** What the agent knows about a finished fetch when it decides to publish it. */
export interface FinishedFetch {
  readonly wal: WalName;
  /** Set when a marker aborted it mid-flight; its bytes are never published. */
  readonly aborted: boolean;
  readonly size: number;
  /** Segment size from the header of this file; the queue's size is pinned by the first one. */
  readonly headerSegmentSize: number;
  readonly headerSysid: bigint;
}

export interface GateContext {
  readonly view: MarkerView;
  readonly segmentSize: number;
  /** global/pg_control's identifier; undefined (unreadable) publishes nothing. */
  readonly clusterSysid: bigint | undefined;
}

/** The publish gate (design §3.1): undefined to publish, else why not. The header matched its name before. */
export function publishRefusal(fetch: FinishedFetch, gate: GateContext): string | undefined {
  if (fetch.aborted) return 'aborted: PostgreSQL asked for it or moved past it';
  if (!isWanted(fetch.wal, gate.view)) return 'no longer wanted: asked, served, before the cursor or on another timeline';
  if (fetch.headerSegmentSize !== gate.segmentSize || fetch.size !== gate.segmentSize) {
    return `size ${fetch.size} (header ${fetch.headerSegmentSize}) is not the segment size ${gate.segmentSize}`;
  }
  if (gate.clusterSysid === undefined) return 'global/pg_control cannot be read, so its system identifier cannot be checked';
  if (fetch.headerSysid !== gate.clusterSysid) return `system identifier ${fetch.headerSysid} is not the cluster's ${gate.clusterSysid}`;
  return undefined;
}
