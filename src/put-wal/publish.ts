// Publishes verified WAL files into the incoming directory, never overwriting: an identical file
// already archived (in incoming or wals) is skipped; different bytes under an archived name are
// kept aside in the errors directory. Both exit 0 (Barman 3.13+): PostgreSQL must not pile WAL up
// behind a segment it can never archive, and the DBA gets the evidence in errors/.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sameStoredContent } from '../codec/stored.js';
import type { ServerConfig } from '../config/barman-config.js';
import { discardTemp, publishNoClobber, type TempFile } from '../durable/durable-write.js';
import { isRegularFile } from '../durable/file-exists.js';
import { archivedPath } from '../wal/name.js';
import type { ReceivedWal } from './receive.js';

export type PublishOutcome =
  | { name: string; result: 'stored'; path: string }
  | { name: string; result: 'identical'; existing: string }
  | { name: string; result: 'duplicate'; existing: string; keptAt: string };

/** `%Y%m%dT%H%M%SZ` in UTC, as Barman names duplicates. */
export const utcStamp = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

export async function publishWal(server: ServerConfig, file: ReceivedWal, now: Date): Promise<PublishOutcome> {
  const archived = archivedPath(server.walsDirectory, file.wal);
  // Lenient: a wals/ we cannot look into does not stop publishing into incoming (as always).
  if (await isRegularFile(archived, { follow: true, lenient: true })) return settleExisting(server, file, archived, now);
  if ((await publishNoClobber(file.temp)) === 'published') {
    return { name: file.wal.name, result: 'stored', path: file.temp.finalPath };
  }
  return settleExisting(server, file, file.temp.finalPath, now);
}

async function settleExisting(server: ServerConfig, file: ReceivedWal, existing: string, now: Date): Promise<PublishOutcome> {
  if (await sameStoredContent(file.temp.path, existing)) {
    await discardTemp(file.temp);
    return { name: file.wal.name, result: 'identical', existing };
  }
  const keptAt = await keepDuplicate(server, file.temp, file.wal.name, now);
  return { name: file.wal.name, result: 'duplicate', existing, keptAt };
}

/** Moves the rejected bytes to errors/<name>.<stamp>.duplicate (a counter is added on a same-second clash). */
async function keepDuplicate(server: ServerConfig, temp: TempFile, name: string, now: Date): Promise<string> {
  await mkdir(server.errorsDirectory, { recursive: true, mode: 0o700 });
  const stamp = utcStamp(now);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const target = join(server.errorsDirectory, attempt === 0 ? `${name}.${stamp}.duplicate` : `${name}.${stamp}.${attempt}.duplicate`);
    // publishNoClobber copies durably when errors/ is on another filesystem.
    if ((await publishNoClobber({ ...temp, finalPath: target })) === 'published') return target;
  }
  throw new Error(`cannot find a free name for the duplicate of ${name} in ${server.errorsDirectory}`);
}
