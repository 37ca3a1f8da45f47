// The system identifier guard in the bucket (SPEC §7): PREFIX/SERVER/walship-system-identifier
// holds one decimal line, created by the first segment archived (If-None-Match: *, so of two
// first uploads exactly one records) and compared by every later one. Same rules as put-wal's
// record on disk; deleting the object is how a DBA lets a new cluster use the server name.

import { ConfigError, ForeignSegmentError } from '../errors.js';
import { putBodyOf, type ObjectStore } from './client.js';
import { identityKey } from './layout.js';
import type { StoreLocation } from './target.js';

const parseRecord = (text: string): bigint | undefined => (/^\d{1,20}\n?$/.test(text) ? BigInt(text.trim()) : undefined);

/** Refuses `segment` when the bucket's record names another cluster; records it when there is no record. */
export async function guardSystemIdentifier(store: ObjectStore, location: StoreLocation, server: string, segment: string, found: bigint): Promise<void> {
  const key = identityKey(location, server);
  let recorded = await readRecord(store, key);
  if (recorded === undefined) {
    const outcome = await store.putObject(key, putBodyOf(Buffer.from(`${found}\n`)), { ifAbsent: true });
    recorded = outcome === 'created' ? found : await readRecord(store, key);
  }
  if (recorded !== undefined && recorded !== found) {
    throw new ForeignSegmentError(`${segment} has system identifier ${found}, but s3://${location.bucket}/${key} records ${recorded} for server '${server}': not archived`, {
      hint: `if server '${server}' now archives a new cluster, delete s3://${location.bucket}/${key}; otherwise archive_command names the wrong server`,
    });
  }
}

async function readRecord(store: ObjectStore, key: string): Promise<bigint | undefined> {
  const body = await store.getObjectBuffer(key);
  if (body === undefined) return undefined;
  const value = parseRecord(body.toString('utf8'));
  if (value === undefined) throw new ConfigError(`object ${key} does not hold one decimal system identifier`);
  return value;
}
