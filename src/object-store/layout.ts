// Where each file lives in the bucket: barman-cloud's layout, so barman-cloud-wal-restore reads
// what walship archives and walship-restore reads what barman-cloud-wal-archive wrote.
//   PREFIX/SERVER/wals/<first 16 hex>/<name><ext>   segments, .partial, .backup
//   PREFIX/SERVER/wals/<name><ext>                  .history
// <ext> tells the compression, and only it does (barman-cloud writes no metadata for it).

import type { Compression } from '../codec/stored.js';
import { RECORD_NAME } from '../put-wal/identity-record.js';
import { utcStamp } from '../put-wal/publish.js';
import { hashDir, type WalName } from '../wal/name.js';
import type { StoreLocation } from './target.js';

/** barman-cloud's suffixes (barman/cloud.py); 'none' is no suffix at all. */
export const SUFFIXES: ReadonlyArray<readonly [string, Compression | 'none']> = [
  ['', 'none'],
  ['.gz', 'gzip'],
  ['.bz2', 'bzip2'],
  ['.xz', 'xz'],
  ['.snappy', 'snappy'],
  ['.zst', 'zstd'],
  ['.lz4', 'lz4'],
];

export const suffixFor = (compression: Compression | 'none'): string => SUFFIXES.find(([, kind]) => kind === compression)?.[0] ?? '';

const join = (...parts: string[]): string => parts.filter((part) => part !== '').join('/');

export const serverPrefix = (location: StoreLocation, server: string): string => join(location.prefix, server);

/** The key without its suffix; every stored variant of this file starts with it. */
export const walKeyStem = (location: StoreLocation, server: string, wal: WalName): string =>
  join(serverPrefix(location, server), 'wals', hashDir(wal) ?? '', wal.name);

export const walKey = (location: StoreLocation, server: string, wal: WalName, compression: Compression | 'none'): string =>
  walKeyStem(location, server, wal) + suffixFor(compression);

/** The compression a listed key holds, or undefined when the key is another file (a .backup beside a segment). */
export function compressionOfKey(key: string, stem: string): Compression | 'none' | undefined {
  if (!key.startsWith(stem)) return undefined;
  const rest = key.slice(stem.length);
  return SUFFIXES.find(([suffix]) => suffix === rest)?.[1];
}

/** Where a different duplicate is kept (errors/<name>.<UTC>.duplicate, as put-wal 3.13+ does on disk). */
export const duplicateKey = (location: StoreLocation, server: string, name: string, now: Date): string =>
  join(serverPrefix(location, server), 'errors', `${name}.${utcStamp(now)}.duplicate`);

/** The system identifier guard's record, beside wals/ (put-wal keeps it in the backup directory). */
export const identityKey = (location: StoreLocation, server: string): string => join(serverPrefix(location, server), RECORD_NAME);
