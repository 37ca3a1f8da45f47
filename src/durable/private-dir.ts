// Per-archive-host private directories on the PostgreSQL host (the restore spool, the archive batch
// records): a namespace per ssh user, host, port, configuration and server, under a directory only
// we can write, so clusters shipping to different servers never see each other's files.

import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ArchiveHostKey {
  user: string;
  barmanHost: string;
  port: number | undefined;
  config: string | undefined;
  serverName: string;
}

/** Percent-encodes all but [A-Za-z0-9_-] (and a leading dot), so no key can climb out or collide. */
const encodePart = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('').replace(/^\./, '%2E');

/** e.g. `barman@backup.example_22/pg` or, with -c, `barman@backup.example/pg+1a2b3c4d`. */
export function archiveHostNamespace(key: ArchiveHostKey): string {
  const host = `${encodePart(key.user)}@${encodePart(key.barmanHost)}${key.port === undefined ? '' : `_${key.port}`}`;
  const config = key.config === undefined ? '' : `+${createHash('sha256').update(key.config).digest('hex').slice(0, 8)}`;
  return join(host, `${encodePart(key.serverName)}${config}`);
}

/**
 * Creates (if needed) and checks `base/namespace`. Refuses one that is a symlink, not ours, or
 * writable by others: a shared /var/tmp must not let another account plant files for us.
 */
export async function openPrivateDir(base: string, namespace: string): Promise<{ dir: string }> {
  const dir = join(base, namespace);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const path of [join(dir, '..'), dir]) {
    const info = await lstat(path);
    const mine = process.getuid === undefined || info.uid === process.getuid();
    if (!info.isDirectory() || !mine || (info.mode & 0o022) !== 0) {
      throw new Error(`directory ${path} is not a directory owned by this user and closed to others`);
    }
  }
  return { dir };
}
