// The restore slot's empty marker files (design §1): asked/<name> (a Node call fetches <name>
// itself; written before that fetch), served/<name> (delivered to PostgreSQL, by sh or Node) and
// inflight/<name> (the agent is fetching <name>). Read synchronously, so the publish gate decides
// on what is on disk at that instant, with nothing interleaved in this process.

import { closeSync, lstatSync, openSync, readdirSync, unlinkSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ASKED_DIR, INFLIGHT_DIR, SERVED_DIR } from '../../agent/layout.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import { parseWalName, type WalName } from '../../wal/name.js';
import { isBefore } from './position.js';
import { cursorOf, furthestOf, type MarkerView, type ServedMarker } from './rules.js';

export type MarkerDir = typeof ASKED_DIR | typeof SERVED_DIR | typeof INFLIGHT_DIR;

/** Segment names in one marker directory; anything else there (temps, strays) is ignored. */
export function listSegments(slot: Slot, dir: string): WalName[] {
  let names: string[];
  try {
    names = readdirSync(slotDirPath(slot, dir as MarkerDir));
  } catch {
    return [];
  }
  return names.map((name) => parseWalName(name)).filter((wal): wal is WalName => wal?.kind === 'segment');
}

const servedMarkers = (slot: Slot): ServedMarker[] =>
  listSegments(slot, SERVED_DIR).flatMap((wal) => {
    const info = lstatIfAny(join(slotDirPath(slot, SERVED_DIR), wal.name));
    return info === undefined ? [] : [{ wal, mtimeNs: info.mtimeNs }];
  });

const lstatIfAny = (path: string): { mtimeNs: bigint } | undefined => {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
};

/** The markers as they are now (sync: see the header). */
export function readMarkerView(slot: Slot): MarkerView {
  const served = servedMarkers(slot);
  const asked = listSegments(slot, ASKED_DIR);
  return {
    cursor: cursorOf(served),
    served: new Set(served.map((marker) => marker.wal.name)),
    asked: new Set(asked.map((wal) => wal.name)),
    askedMax: furthestOf(asked),
  };
}

/**
 * Creates an empty marker (never through a symlink). Not fsynced: markers belong to one postmaster
 * incarnation, and a crash means a new fence and a wiped slot. Failure is the caller's to weigh.
 */
export function writeMarker(slot: Slot, dir: MarkerDir, name: string): void {
  closeSync(openSync(join(slotDirPath(slot, dir), name), constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_TRUNC, 0o600));
}

export function removeMarker(slot: Slot, dir: MarkerDir, name: string): void {
  try {
    unlinkSync(join(slotDirPath(slot, dir), name));
  } catch {
    // already gone
  }
}

/** Keeps asked/ and served/ small: markers before the cursor tell nothing any more. */
export function pruneMarkers(slot: Slot, cursor: WalName): number {
  let removed = 0;
  for (const dir of [ASKED_DIR, SERVED_DIR] as const) {
    for (const wal of listSegments(slot, dir)) {
      if (!isBefore(wal, cursor)) continue;
      removeMarker(slot, dir, wal.name);
      removed++;
    }
  }
  return removed;
}
