// Archiving one WAL file to the bucket, with put-wal's guarantees: the file must be the segment its
// name claims and of the cluster the archive holds; it is reported archived only once the store
// acknowledged the whole object with its Content-MD5 and SHA-256 verified; an identical copy already
// there is success; different bytes under an archived name (a .history included) are kept aside
// under errors/ and the archived object is never replaced.

import { createCompressor, transformBuffer, type ArchiveCompression } from '../codec/codecs.js';
import type { Compression } from '../codec/stored.js';
import { InvalidSegmentError } from '../errors.js';
import { validateSegment } from '../wal/header.js';
import type { WalName } from '../wal/name.js';
import { putBodyOf, type ObjectStore } from './client.js';
import { decodeBuffer } from './decode.js';
import { guardSystemIdentifier } from './identity.js';
import { compressionOfKey, duplicateKey, walKey, walKeyStem } from './layout.js';
import type { StoreLocation } from './target.js';

export interface StorePutRequest {
  store: ObjectStore;
  location: StoreLocation;
  server: string;
  wal: WalName;
  /** The file's bytes, read once. */
  data: Buffer;
  /** Client-side compression; the key's suffix names it (barman-cloud's only label for it). */
  compression?: ArchiveCompression | undefined;
  compressionLevel?: number | undefined;
  /**
   * Bytes to store exactly as they are, already compressed by the sender (a -z/-j member of a
   * put-wal stream), under `compression`'s suffix; `data` is then their decoded content, which the
   * checks and the duplicate comparison use. `compression` (compress here) is ignored then.
   */
  stored?: { bytes: Buffer; compression: Compression } | undefined;
  now: Date;
}

export type StorePutResult =
  | { result: 'archived'; key: string }
  | { result: 'identical'; key: string }
  | { result: 'duplicate'; key: string; keptAt: string };

/** The WARNING for a different duplicate kept aside, worded once for the sync path and put-wal's far end. */
export const duplicateWarningLine = (bucket: string, name: string, outcome: { key: string; keptAt: string }): string =>
  `WARNING: WAL file ${name} is already archived with DIFFERENT content (s3://${bucket}/${outcome.key}); the new bytes were kept in s3://${bucket}/${outcome.keptAt}`;

export async function putWalObject(req: StorePutRequest): Promise<StorePutResult> {
  await checkIdentity(req);
  const stem = walKeyStem(req.location, req.server, req.wal);
  const key = walKey(req.location, req.server, req.wal, req.stored?.compression ?? req.compression ?? 'none');
  const body = putBodyOf(req.stored?.bytes ?? (req.compression ? await compress(req.data, req.compression, req.compressionLevel) : req.data));
  // Any stored variant (another compression, written by barman-cloud or an earlier setting) counts as archived.
  const existing = (await req.store.listKeys(stem)).find((k) => compressionOfKey(k, stem) !== undefined);
  if (existing === undefined && (await req.store.putObject(key, body, { ifAbsent: true })) === 'created') return { result: 'archived', key };
  // Listed, or created meanwhile by a concurrent (or our own retried) upload: compare decoded content.
  const archivedKey = existing ?? key;
  if (await sameContent(req, archivedKey, stem)) return { result: 'identical', key: archivedKey };
  const keptAt = duplicateKey(req.location, req.server, req.wal.name, req.now);
  await req.store.putObject(keptAt, body, { ifAbsent: true });
  return { result: 'duplicate', key: archivedKey, keptAt };
}

/** Segments and .partial: the page header must match the name, and the cluster the bucket's record names. */
async function checkIdentity(req: StorePutRequest): Promise<void> {
  if (req.wal.kind !== 'segment' && req.wal.kind !== 'partial') return;
  const check = validateSegment(req.wal, req.data.subarray(0, 64), req.data.length, undefined);
  if (!check.ok) throw new InvalidSegmentError(`${req.wal.name} is not a complete WAL segment: ${check.reason}; not archived`);
  await guardSystemIdentifier(req.store, req.location, req.server, req.wal.name, check.header.systemIdentifier);
}

async function sameContent(req: StorePutRequest, key: string, stem: string): Promise<boolean> {
  const stored = await req.store.getObjectBuffer(key);
  // Gone between LIST/412 and GET (a DBA cleaning up): not identical; the duplicate is kept aside, nothing lost.
  if (stored === undefined) return false;
  const decoded = await decodeBuffer(stored, compressionOfKey(key, stem) ?? 'none').catch(() => undefined);
  return decoded !== undefined && decoded.equals(req.data);
}

const compress = (data: Buffer, kind: ArchiveCompression, level: number | undefined): Promise<Buffer> => transformBuffer(data, createCompressor(kind, level));
