// get-wal --test against the bucket: Barman's "ready" line, given only once the store has answered
// a LIST with these credentials (a wrong endpoint, key or bucket fails here, not at the first WAL).

import type { ObjectStore } from './client.js';
import { identityKey } from './layout.js';
import type { StoreLocation } from './target.js';

/** Barman's (and walship-server's) answer to `get-wal --test`. */
export const readyToRetrieveLine = (server: string): string => `Ready to retrieve WAL files from the server ${server}`;

/**
 * Resolves with the ready line, or throws the store's ObjectStoreError. The LIST names a prefix
 * that matches at most one key (the system identifier record), so it stays one cheap request
 * however many WAL files the server holds: listKeys reads every page of what it lists.
 */
export async function checkStoreReady(store: ObjectStore, location: StoreLocation, server: string): Promise<string> {
  await store.listKeys(identityKey(location, server));
  return readyToRetrieveLine(server);
}
