// What the agent reads from disk each round: PostgreSQL's .ready/.done markers and the slot's
// want/ and ack/ entries. Only WAL-named entries count; anything else in those directories is
// a stray (a temp, a planted file) and is never turned into a path.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isEntryName, WAL_DIR } from '../../agent/layout.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import type { SlotDir } from '../../agent/layout.js';

const ARCHIVE_STATUS_DIR = 'archive_status';
export const archiveStatusPath = (dataDir: string): string => join(dataDir, WAL_DIR, ARCHIVE_STATUS_DIR);

export interface ArchiveStatus {
  /** Names with a `.ready` marker: PostgreSQL still needs them archived. */
  ready: Set<string>;
  /** Names with a `.done` marker. */
  done: string[];
}

/** PostgreSQL's markers for the cluster in `dataDir`. */
export async function scanArchiveStatus(dataDir: string): Promise<ArchiveStatus> {
  const ready = new Set<string>();
  const done: string[] = [];
  for (const entry of await readdir(archiveStatusPath(dataDir))) {
    const dot = entry.lastIndexOf('.');
    const name = entry.slice(0, dot);
    if (!isEntryName(name)) continue;
    if (entry.endsWith('.ready')) ready.add(name);
    else if (entry.endsWith('.done')) done.push(name);
  }
  return { ready, done: done.sort() };
}

/** The WAL-named entries of one slot directory (want/, ack/, shipped/). */
export async function scanSlotNames(slot: Slot, dir: SlotDir): Promise<Set<string>> {
  const names = await readdir(slotDirPath(slot, dir)).catch(() => [] as string[]);
  return new Set(names.filter(isEntryName));
}
