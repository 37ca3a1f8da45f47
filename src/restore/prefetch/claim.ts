// How a restore takes a prefetched segment out of the spool: claim it by rename, open it once, check
// that handle, and when the worker is fetching it right now, wait (boundedly) for it rather than
// fetch it twice. Whatever goes wrong here is a spool miss: the segment then comes from the archive.

import type { FileHandle } from 'node:fs/promises';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '../../durable/durable-write.js';
import { openOwnedFile } from '../../durable/owned-file.js';
import { errnoCode } from '../../errors.js';
import { validateSegment, type SegmentHeader } from '../../wal/header.js';
import type { WalName } from '../../wal/name.js';
import { readHead } from '../fetch.js';
import { awaitInflight } from './await-inflight.js';
import { inflightSize, isSpooled, isStale, type Spool } from './spool.js';

/** The checked file: delivered from this handle's inode (deliver-claimed.ts), which the caller closes. */
export interface ClaimedFile {
  /** The claimed temp name in the spool. */
  path: string;
  handle: FileHandle;
  dev: bigint;
  ino: bigint;
}

export type Claimed = { file: ClaimedFile; header: SegmentHeader };
type Warn = (line: string) => void;

/**
 * Takes the spooled copy of `wal` for ourselves by renaming it to a temp name (only one of several
 * concurrent restores can win), opens it once and checks the handle: a regular file of ours, closed
 * to others, the complete segment its name claims, and recent. Anything else is deleted and
 * reported, never delivered. Undefined when there is no usable copy.
 */
export async function claimSpooled(spool: Spool, wal: WalName, warn: Warn): Promise<Claimed | undefined> {
  if (wal.kind !== 'segment') return undefined;
  const path = await renameToClaim(spool, wal, warn);
  if (path === undefined) return undefined;
  const opened = await openOwnedFile(path);
  // Gone between the rename and the open: nothing was delivered, so it is a spool miss (issue 8, 5).
  if (opened.kind === 'missing') return undefined;
  if (opened.kind === 'refused') return discard(wal, path, opened.reason, warn);
  const { handle, info } = opened;
  try {
    const check = validateSegment(wal, await readHead(handle), Number(info.size), spool.systemIdentifier);
    const reason = !check.ok ? check.reason : isStale(Number(info.mtimeMs)) ? 'spooled too long ago, maybe by an earlier recovery' : undefined;
    if (check.ok && reason === undefined) return { file: { path, handle, dev: info.dev, ino: info.ino }, header: check.header };
    await handle.close();
    return discard(wal, path, reason, warn);
  } catch (error) {
    await handle.close().catch(() => undefined);
    return discard(wal, path, `cannot be read: ${(error as Error).message}`, warn);
  }
}

/** The claimed temp path, or undefined when nothing is spooled under the name (or it cannot be moved). */
async function renameToClaim(spool: Spool, wal: WalName, warn: Warn): Promise<string | undefined> {
  const path = tempPathFor(join(spool.dir, wal.name), 'claimed');
  try {
    await rename(join(spool.dir, wal.name), path);
    return path;
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') warn(`WARNING: spooled ${wal.name} not used: ${(error as Error).message}; fetching it from the archive`);
    return undefined;
  }
}

async function discard(wal: WalName, path: string, reason: string | undefined, warn: Warn): Promise<undefined> {
  warn(`WARNING: discarded spooled ${wal.name}: ${reason}; fetching it from the archive`);
  await unlink(path).catch(() => undefined);
  return undefined;
}

/** The spooled copy, waiting (boundedly) for one the prefetch worker is fetching right now. */
export async function takeSpooled(spool: Spool, wal: WalName, warn: Warn): Promise<Claimed | undefined> {
  const claimed = await claimSpooled(spool, wal, warn);
  if (claimed || wal.kind !== 'segment') return claimed;
  const outcome = await awaitInflight({
    inflightSize: () => inflightSize(spool, wal.name),
    published: () => isSpooled(spool, wal.name),
  }).catch(() => 'none' as const);
  return outcome === 'published' ? claimSpooled(spool, wal, warn) : undefined;
}
