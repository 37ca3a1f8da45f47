// Reading one WAL file out of the bucket: find the stored variant (barman-cloud's suffixes) and
// stream it through the decoder its suffix names, either into a temp file beside its destination
// (the caller verifies and publishes) or onto a stream (get-wal's stdout, serve-get.ts).
// "Not in the archive" is a result; every other failure throws.

import type { Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeTempFile, type TempFile } from '../durable/durable-write.js';
import { CompressionError, errnoCode, WalshipError } from '../errors.js';
import type { WalName } from '../wal/name.js';
import type { ObjectStore } from './client.js';
import { decodersFor } from './decode.js';
import { compressionOfKey, walKeyStem } from './layout.js';
import type { StoreLocation } from './target.js';

export type StoreFetch = { kind: 'fetched'; temp: TempFile; key: string } | { kind: 'not-found' };

/** The key holding `wal` (or, with partial, its .partial), and how it is compressed. */
export async function findStored(store: ObjectStore, location: StoreLocation, server: string, wal: WalName, partial: boolean) {
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

/** A stored object being read: its body and the stages that decode it. */
interface OpenedObject {
  key: string;
  body: Readable;
  stages: Duplex[];
}

/** Undefined when no object holds `wal`, or the one listed is gone by the GET (expired meanwhile: as absent as never listed). */
async function openStored(store: ObjectStore, location: StoreLocation, server: string, wal: WalName, partial: boolean): Promise<OpenedObject | undefined> {
  const found = await findStored(store, location, server, wal, partial);
  if (found === undefined) return undefined;
  const body = await store.getObject(found.key);
  if (body === undefined) return undefined;
  try {
    return { key: found.key, body, stages: decodersFor(found.compression) };
  } catch (error) {
    // An undecodable suffix (snappy): release the connection the unread body holds.
    body.destroy();
    throw error;
  }
}

export async function fetchWalObject(store: ObjectStore, location: StoreLocation, server: string, wal: WalName, walDest: string, partial: boolean): Promise<StoreFetch> {
  const opened = await openStored(store, location, server, wal, partial);
  if (opened === undefined) return { kind: 'not-found' };
  try {
    const temp = await writeTempFile(walDest, opened.body, { stages: opened.stages });
    return { kind: 'fetched', temp, key: opened.key };
  } catch (error) {
    throw asDecodeError(error, opened.key);
  }
}

/** Streams the decoded WAL bytes to `out` without ending it (get-wal's stdout belongs to its caller). */
export async function sendWalObject(store: ObjectStore, location: StoreLocation, server: string, wal: WalName, partial: boolean, out: Writable): Promise<'sent' | 'not-found'> {
  const opened = await openStored(store, location, server, wal, partial);
  if (opened === undefined) return 'not-found';
  await pipeline([opened.body, ...opened.stages, out], { end: false }).catch((error: unknown) => {
    throw asDecodeError(error, opened.key);
  });
  return 'sent';
}

/** zlib's Z_* codes mean a corrupt gzip object: a CompressionError (restore exit 2, never 1). */
function asDecodeError(error: unknown, key: string): unknown {
  if (error instanceof WalshipError) return error;
  if (errnoCode(error)?.startsWith('Z_')) return new CompressionError(`object ${key} cannot be decoded: ${(error as Error).message}`, { cause: error });
  return error;
}
