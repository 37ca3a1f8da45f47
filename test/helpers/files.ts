// Temp directories and files that several system users must reach, with the right owner from the start.
import { chmod, chown, mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { SystemUser } from './users.js';

/**
 * mkdtemp under /tmp, then 755: mkdtemp makes it 700 (root only), and the test users (the
 * PostgreSQL user, barman, the archive user) must traverse it to reach what is inside.
 */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(`/tmp/${prefix}`);
  await chmod(dir, 0o755);
  return dir;
}

/** Creates dir (if absent) owned by user with mode; an existing dir is left as it is. */
export async function ensureOwnedDir(dir: string, user: SystemUser, mode: number): Promise<void> {
  try {
    await mkdir(dir, { mode });
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'EEXIST') return;
    throw err;
  }
  await chown(dir, user.uid, user.gid);
  await chmod(dir, mode); // mkdir's mode is filtered by the umask
}

/**
 * Writes content to path owned by user with mode, atomically (temp file + rename), so a concurrent
 * reader (ssh parsing its config while another test file adds a line) never sees half a file.
 */
export async function writeOwnedFile(path: string, content: string, user: SystemUser, mode: number): Promise<void> {
  const temp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  await writeFile(temp, content, { mode });
  await chown(temp, user.uid, user.gid);
  await chmod(temp, mode);
  await rename(temp, path);
}
