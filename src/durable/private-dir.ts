// Private directories under a shared base (the restore spool and the archive batch records live in
// /var/tmp): created 0700 and refused unless this user owns them and nobody else can write there.

import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

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
