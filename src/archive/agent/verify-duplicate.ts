// Barman 3.4 refuses a put-wal whose file already sits in incoming/ (design §2.1): after a lost ack
// the agent would re-ship and be refused forever. Instead it fetches the archived copy through the
// same lane (get-wal returns plain bytes even for a compressed copy) and compares SHA-256.

import { createHash } from 'node:crypto';
import { getWalArgs } from '../../transport/barman-command.js';
import type { Transport } from '../../transport/transport.js';
import { hashFile } from '../../wire/checksums.js';

export type DuplicateVerdict = 'identical' | 'different' | 'unavailable';

/** Compares the archive's copy of `name` with the local file at `path`. */
export async function verifyByFetch(
  transport: Transport,
  target: { server: string; config: string | undefined },
  name: string,
  path: string,
): Promise<DuplicateVerdict> {
  const remote = transport.run(getWalArgs({ config: target.config, format: 'plain', partial: false, serverName: target.server }, { fetch: name }));
  remote.stdin.end();
  const hash = createHash('sha256');
  remote.stdout.on('data', (chunk: Buffer) => hash.update(chunk));
  const exit = await remote.done;
  if (exit.status !== 0) return 'unavailable';
  const archived = hash.digest('hex');
  const local = await hashFile(path, 'sha256');
  return archived === local.hex ? 'identical' : 'different';
}
