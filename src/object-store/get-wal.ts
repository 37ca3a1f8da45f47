// Fetching one WAL file from the bucket into a temp file beside its destination: find the stored
// variant (barman-cloud's suffixes), stream it through the decoder its suffix names, and let the
// caller verify and publish. "Not in the archive" is a result; every other failure throws.

import { writeTempFile, type TempFile } from '../durable/durable-write.js';
import { CompressionError, errnoCode, WalshipError } from '../errors.js';
import type { WalName } from '../wal/name.js';
import type { ObjectStore } from './client.js';
import { decodersFor } from './decode.js';
import { compressionOfKey, walKeyStem } from './layout.js';
import type { StoreLocation } from './target.js';

export type StoreFetch = { kind: 'fetched'; temp: TempFile; key: string } | { kind: 'not-found' };

/** The key holding `wal` (or, with partial, its .partial), and how it is compressed. */
async function findStored(store: ObjectStore, location: StoreLocation, server: string, wal: WalName, partial: boolean) {
  const stem = walKeyStem(location, server, wal);
  const keys = await store.listKeys(stem);
  for (const candidate of partial && wal.kind === 'segment' ? [stem, `${stem}.partial`] : [stem]) {
    for (const key of keys) {
      const compression = compressionOfKey(key, candidate);
      if (compression !== undefined) return { key, compression };
    }
  }
  return undefined;
}

export async function fetchWalObject(store: ObjectStore, location: StoreLocation, server: string, wal: WalName, walDest: string, partial: boolean): Promise<StoreFetch> {
  const found = await findStored(store, location, server, wal, partial);
  if (found === undefined) return { kind: 'not-found' };
  const body = await store.getObject(found.key);
  // Listed, then gone (expired meanwhile): as absent as if never listed.
  if (body === undefined) return { kind: 'not-found' };
  try {
    const temp = await writeTempFile(walDest, body, { stages: decodersFor(found.compression) });
    return { kind: 'fetched', temp, key: found.key };
  } catch (error) {
    throw asDecodeError(error, found.key);
  }
}

/** zlib's Z_* codes mean a corrupt gzip object: a CompressionError (restore exit 2, never 1). */
function asDecodeError(error: unknown, key: string): unknown {
  if (error instanceof WalshipError) return error;
  if (errnoCode(error)?.startsWith('Z_')) return new CompressionError(`object ${key} cannot be decoded: ${(error as Error).message}`, { cause: error });
  return error;
}
