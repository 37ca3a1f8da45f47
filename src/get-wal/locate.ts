// Where get-wal looks for a WAL file, in Barman's order (SPEC §5), and opening the first one present.

import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerConfig } from '../config/barman-config.js';
import { isRegularFile } from '../durable/file-exists.js';
import { errnoCode } from '../errors.js';
import { archivedPath, type WalName } from '../wal/name.js';

export type ServerDirectories = Pick<ServerConfig, 'walsDirectory' | 'incomingWalsDirectory' | 'streamingWalsDirectory'>;

/**
 * Every place the file may be, in search order. The archive position comes again last because the
 * archiver may have moved the file out of incoming/ or streaming/ while we were looking.
 */
export function candidatePaths(dirs: ServerDirectories, wal: WalName, partial: boolean): string[] {
  const archived = archivedPath(dirs.walsDirectory, wal);
  const incoming = join(dirs.incomingWalsDirectory, wal.name);
  const streaming = join(dirs.streamingWalsDirectory, wal.name);
  const paths = [archived, incoming, streaming];
  // .partial: the segment pg_receivewal is still writing, or the last one before a promotion.
  if (partial) paths.push(`${streaming}.partial`, `${archived}.partial`, `${incoming}.partial`);
  paths.push(archived);
  return paths;
}

export interface LocatedWal {
  path: string;
  handle: FileHandle;
  size: number;
}

/**
 * Opens the first candidate that is a regular file. Opening (not just stat) pins the bytes: once we
 * hold the descriptor, the archiver moving the file does not matter. A file that vanishes between
 * the candidates is skipped, as Barman does. Undefined when none exists.
 */
export async function openFirstExisting(paths: readonly string[]): Promise<LocatedWal | undefined> {
  for (const path of paths) {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') continue;
      throw error;
    }
    const info = await handle.stat();
    if (info.isFile()) return { path, handle, size: info.size };
    await handle.close();
  }
  return undefined;
}

/** Does the file exist in any plain (non-partial) position? What --peek asks for every name. */
export async function existsAnywhere(dirs: ServerDirectories, wal: WalName): Promise<boolean> {
  for (const path of candidatePaths(dirs, wal, false).slice(0, 3)) {
    // Lenient: a position we cannot look into holds nothing we could send either.
    if (await isRegularFile(path, { follow: true, lenient: true })) return true;
  }
  return false;
}
