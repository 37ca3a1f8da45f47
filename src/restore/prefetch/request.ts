// The hint a restore leaves for the prefetch worker: the segment PostgreSQL just received and its
// size, so the worker knows where the window starts. A hint, not data: written atomically (temp +
// rename) so it is never read half-written, but not fsync'd, since losing it only costs a prefetch.

import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '../../durable/durable-write.js';
import { isValidSegmentSize, parseWalName } from '../../wal/name.js';
import type { Spool } from './spool.js';

export const REQUEST_NAME = '.requested';

export interface PrefetchRequest {
  walName: string;
  segmentSize: number;
}

export const requestKey = (request: PrefetchRequest): string => `${request.walName} ${request.segmentSize}`;

export async function writePrefetchRequest(spool: Spool, request: PrefetchRequest): Promise<void> {
  const temp = tempPathFor(join(spool.dir, 'requested'));
  await writeFile(temp, `${requestKey(request)}\n`, { mode: 0o600 });
  try {
    await rename(temp, join(spool.dir, REQUEST_NAME));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** The latest request, or undefined when there is none or it does not parse. */
export async function readPrefetchRequest(spool: Spool): Promise<PrefetchRequest | undefined> {
  const text = await readFile(join(spool.dir, REQUEST_NAME), 'utf8').catch(() => '');
  const [walName, size] = text.trim().split(' ');
  const segmentSize = Number(size);
  if (walName === undefined || parseWalName(walName)?.kind !== 'segment' || !isValidSegmentSize(segmentSize)) return undefined;
  return { walName, segmentSize };
}
