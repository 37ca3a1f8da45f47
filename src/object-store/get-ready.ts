// `--test` against the bucket, for both commands: Barman's "ready" line, given only once the store
// has answered a LIST with these credentials (a wrong endpoint, key or bucket fails here, not at the
// first WAL file).

import type { ObjectStore } from './client.js';
import { identityKey } from './layout.js';
import type { StoreLocation } from './target.js';

/** Barman's (and walship-server's) answers to `get-wal --test` and `put-wal --test`. */
export const readyToRetrieveLine = (server: string): string => `Ready to retrieve WAL files from the server ${server}`;
export const readyToAcceptLine = (server: string): string => `Ready to accept WAL files for the server ${server}`;

/**
 * Resolves once the store answered, or throws its ObjectStoreError. The LIST names a prefix that
 * matches at most one key (the system identifier record), so it stays one cheap request however
 * many WAL files the server holds: listKeys reads every page of what it lists.
 */
export async function probeStore(store: ObjectStore, location: StoreLocation, server: string): Promise<void> {
  await store.listKeys(identityKey(location, server));
}

export async function checkStoreReady(store: ObjectStore, location: StoreLocation, server: string): Promise<string> {
  await probeStore(store, location, server);
  return readyToRetrieveLine(server);
}
