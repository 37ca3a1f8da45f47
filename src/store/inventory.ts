// What a server's archive holds, from directory listings only: wals/<hash>/ (Barman's layout, where
// its archiver moves files), history files at the top of wals/, and incoming/ (where walship's
// put-wal publishes; with no separate archiver it is the archive). check and expire read this.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from '../config/barman-config.js';
import { isTempName } from '../durable/durable-write.js';
import { errnoCode } from '../errors.js';
import { parseWalName, type WalName } from '../wal/name.js';

export type StoredLocation = 'wals' | 'incoming';

export interface StoredFile {
  readonly wal: WalName;
  readonly path: string;
  readonly location: StoredLocation;
}

export interface Inventory {
  /** One entry per name; a name in both places (the archiver moving it) counts once, as in wals/. */
  readonly files: StoredFile[];
  /** Entries that are not WAL names, temp files or Barman's own bookkeeping: worth a look. */
  readonly strays: string[];
}

export type StoreDirectories = Pick<ServerConfig, 'walsDirectory' | 'incomingWalsDirectory'>;

const HASH_DIR_RE = /^[0-9A-Fa-f]{16}$/;
/** Barman keeps its WAL index (xlog.db) and its lock files in wals/; they are not WAL. */
const BARMAN_FILES = new Set(['xlog.db', '.xlog.db.lock']);

/** Entries of a directory; a missing directory is empty (walship creates them on demand). */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}

/** Synchronous on purpose: one listing per directory, and check must stay under a second for 10,000 files. */
export function readInventory(dirs: StoreDirectories): Inventory {
  const byName = new Map<string, StoredFile>();
  const strays: string[] = [];
  const add = (name: string, dir: string, location: StoredLocation): void => {
    const wal = parseWalName(name);
    if (wal === undefined) {
      if (!isTempName(name) && !BARMAN_FILES.has(name)) strays.push(join(dir, name));
      return;
    }
    if (!byName.has(name)) byName.set(name, { wal, path: join(dir, name), location });
  };
  for (const entry of entriesOf(dirs.walsDirectory)) {
    if (HASH_DIR_RE.test(entry)) {
      const hashDir = join(dirs.walsDirectory, entry);
      for (const name of entriesOf(hashDir)) add(name, hashDir, 'wals');
    } else {
      add(entry, dirs.walsDirectory, 'wals');
    }
  }
  for (const name of entriesOf(dirs.incomingWalsDirectory)) add(name, dirs.incomingWalsDirectory, 'incoming');
  return { files: [...byName.values()], strays };
}

/** Ordering by position in the WAL stream (log, segment), then timeline; the name breaks ties. */
export const comparePosition = (a: WalName, b: WalName): number =>
  a.log - b.log || a.seg - b.seg || a.timeline - b.timeline || a.name.localeCompare(b.name);

/** Is `wal` strictly before the segment (log, seg)? Names order this way for every segment size. */
export const isBefore = (wal: WalName, at: Pick<WalName, 'log' | 'seg'>): boolean =>
  wal.log < at.log || (wal.log === at.log && wal.seg < at.seg);
