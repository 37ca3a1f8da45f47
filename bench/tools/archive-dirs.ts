// Emptying a Barman-format archive (walship-server's and Debian barman's share it) between runs.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Removes everything inside incoming/, wals/, errors/ and streaming/ of one server, keeping the dirs. */
export async function emptyBarmanServer(barmanHome: string, server: string): Promise<void> {
  for (const sub of ['incoming', 'wals', 'errors', 'streaming']) {
    const dir = join(barmanHome, server, sub);
    for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
  }
}

/** Removes everything inside dir, keeping dir (its owner and mode). */
export async function emptyDir(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
}
