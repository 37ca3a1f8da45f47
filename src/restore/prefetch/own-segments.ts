// The segments one prefetch worker published into the spool, remembered by inode, so that when it
// stops idle it removes those nobody claimed (issue 10: prefetched segments of an abandoned timeline
// or past a recovery target stayed in the spool) and nothing else: a restore claims a segment by
// renaming it away, a later worker may publish the same name again (another inode), and temp files
// (another worker's, or a claim in progress) never carry a WAL name.

import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

interface Inode {
  dev: bigint;
  ino: bigint;
}

export interface OwnSegments {
  /** Before publishing: the temp file's inode is the one the rename puts under `name`. */
  remember(name: string, tempPath: string): Promise<void>;
  /** Names still in the spool as the very file this worker published. */
  unclaimed(): Promise<string[]>;
  /** Removes the unclaimed ones; returns their names. Only the lock holder publishes, so none is replaced meanwhile. */
  sweep(): Promise<string[]>;
}

const inodeOf = async (path: string): Promise<Inode | undefined> => {
  const info = await lstat(path, { bigint: true }).catch(() => undefined);
  return info?.isFile() ? { dev: info.dev, ino: info.ino } : undefined;
};

export function ownSegments(spoolDir: string): OwnSegments {
  const published = new Map<string, Inode>();
  const unclaimed = async (): Promise<string[]> => {
    const left: string[] = [];
    for (const [name, mine] of published) {
      const now = await inodeOf(join(spoolDir, name));
      if (now?.dev === mine.dev && now.ino === mine.ino) left.push(name);
      else published.delete(name); // claimed, cleaned up, or someone else's by now
    }
    return left;
  };
  return {
    async remember(name, tempPath) {
      const inode = await inodeOf(tempPath);
      if (inode) published.set(name, inode);
    },
    unclaimed,
    async sweep() {
      const removed: string[] = [];
      for (const name of await unclaimed()) {
        published.delete(name);
        // ENOENT: a restore claimed it between the look and the unlink, which is what we wanted.
        if (await unlink(join(spoolDir, name)).then(() => true, () => false)) removed.push(name);
      }
      return removed;
    },
  };
}
