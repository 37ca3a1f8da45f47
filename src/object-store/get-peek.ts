// get-wal --peek against the bucket: walship-server's walk (src/get-wal/peek.ts), with existence read
// off LIST answers. One LIST per hash directory the walk touches, kept for the call: usually the
// directory of WAL_NAME alone, plus the next one when the walk crosses into the next log.

import type { PeekSources } from '../get-wal/peek.js';
import { hashDir, type WalName } from '../wal/name.js';
import type { ObjectStore } from './client.js';
import { compressionOfKey, walKeyStem } from './layout.js';
import type { StoreLocation } from './target.js';

/**
 * The prefix to list for `wal`: its hash directory (segments, .partial, .backup), or for a history
 * file its own stem, since history files sit at the top of wals/ beside every hash directory.
 */
function listingPrefix(stem: string, wal: WalName): string {
  return hashDir(wal) === undefined ? stem : stem.slice(0, stem.lastIndexOf('/') + 1);
}

export function storePeekSources(store: ObjectStore, location: StoreLocation, server: string): PeekSources {
  const listings = new Map<string, Promise<string[]>>();
  const listed = (prefix: string): Promise<string[]> => {
    let keys = listings.get(prefix);
    if (keys === undefined) listings.set(prefix, (keys = store.listKeys(prefix)));
    return keys;
  };
  return {
    // A plain object under any of barman-cloud's suffixes; a .partial is not the segment (never prefetched).
    exists: async (wal) => {
      const stem = walKeyStem(location, server, wal);
      return (await listed(listingPrefix(stem, wal))).some((key) => compressionOfKey(key, stem) !== undefined);
    },
    // The header would cost a GET of the object. Without the size peekWalNames tries each possible
    // successor, and the listing already says which one exists: the same names, one request fewer.
    segmentSize: async () => undefined,
  };
}
