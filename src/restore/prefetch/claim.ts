// How a restore takes a prefetched segment out of the spool: claim it by rename, check it, and
// when the worker is fetching it right now, wait (boundedly) for it rather than fetch it twice.

import { lstat, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor, type TempFile } from '../../durable/durable-write.js';
import { errnoCode } from '../../errors.js';
import { validateSegment, type SegmentHeader } from '../../wal/header.js';
import type { WalName } from '../../wal/name.js';
import { readHead } from '../fetch.js';
import { awaitInflight } from './await-inflight.js';
import { inflightSize, isSpooled, isStale, type Spool } from './spool.js';

export type Claimed = { temp: TempFile; header: SegmentHeader };

/**
 * Takes the spooled copy of `wal` for ourselves by renaming it to a temp name (only one of several
 * concurrent restores can win), then checks it. A file that is not the complete segment its name
 * claims is deleted and reported, never delivered. Undefined when there is no usable copy.
 */
export async function claimSpooled(spool: Spool, wal: WalName, warn: (line: string) => void): Promise<Claimed | undefined> {
  if (wal.kind !== 'segment') return undefined;
  const finalPath = join(spool.dir, wal.name);
  const path = tempPathFor(finalPath, 'claimed');
  try {
    await rename(finalPath, path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const info = await lstat(path);
  const check = validateSegment(wal, await readHead(path), info.size, spool.systemIdentifier);
  const reason = !check.ok ? check.reason : isStale(info.mtimeMs) ? 'spooled too long ago, maybe by an earlier recovery' : undefined;
  if (check.ok && reason === undefined) return { temp: { path, finalPath, size: info.size }, header: check.header };
  warn(`WARNING: discarded spooled ${wal.name}: ${reason}; fetching it again`);
  await unlink(path).catch(() => undefined);
  return undefined;
}

/** The spooled copy, waiting (boundedly) for one the prefetch worker is fetching right now. */
export async function takeSpooled(spool: Spool, wal: WalName, warn: (line: string) => void): Promise<Claimed | undefined> {
  const claimed = await claimSpooled(spool, wal, warn);
  if (claimed || wal.kind !== 'segment') return claimed;
  const outcome = await awaitInflight({
    inflightSize: () => inflightSize(spool, wal.name),
    published: () => isSpooled(spool, wal.name),
  });
  return outcome === 'published' ? claimSpooled(spool, wal, warn) : undefined;
}
