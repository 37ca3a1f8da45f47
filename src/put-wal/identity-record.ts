// The system identifier a server's archive holds (SPEC §7), recorded in
// <backup_directory>/walship-system-identifier as one decimal line. Created from the first accepted
// segment only, never seeded from what is already archived, so removing the file really resets it:
// that is how a DBA lets a new cluster archive under the same server name.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ServerConfig } from '../config/barman-config.js';
import { discardTemp, publishNoClobber, writeTempFile } from '../durable/durable-write.js';
import { ConfigError, errnoCode } from '../errors.js';

export const RECORD_NAME = 'walship-system-identifier';
const MAX_U64 = (1n << 64n) - 1n;

/** Absolute, because it is printed in a HINT for the DBA to act on. */
export const recordPath = (server: ServerConfig): string => resolve(server.backupDirectory, RECORD_NAME);

export const resetHint = (server: ServerConfig): string =>
  `if server '${server.name}' now archives a new cluster (re-initialised, or a restore promoted as a new system), remove ${recordPath(server)}; the next segment archived records the new identifier. Otherwise archive_command names the wrong server`;

/** The recorded identifier; undefined when there is no record yet. A malformed record is an error, never "none". */
export async function readRecordedIdentifier(server: ServerConfig): Promise<bigint | undefined> {
  const path = recordPath(server);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const value = /^\d{1,20}\n?$/.test(text) ? BigInt(text.trim()) : undefined;
  if (value === undefined || value > MAX_U64) {
    throw new ConfigError(`${path} does not hold one decimal system identifier`, { hint: resetHint(server) });
  }
  return value;
}

/**
 * Records `identifier` unless a record exists, and returns what is recorded afterwards. link(2)
 * publishes without replacing, so of two concurrent first uploads exactly one records its identifier
 * and the other reads that one back (and is refused by its caller if it differs).
 */
export async function recordIdentifier(server: ServerConfig, identifier: bigint): Promise<bigint> {
  const path = recordPath(server);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    const temp = await writeTempFile(path, Buffer.from(`${identifier}\n`), { mode: 0o644 });
    const outcome = await publishNoClobber(temp).catch(async (error: unknown) => {
      await discardTemp(temp);
      throw error;
    });
    if (outcome === 'published') return identifier;
    await discardTemp(temp);
    const recorded = await readRecordedIdentifier(server);
    // Removed again between our link and our read (a DBA resetting): try once more.
    if (recorded !== undefined) return recorded;
  }
  throw new Error(`cannot record the system identifier in ${path}: it keeps disappearing`);
}
