// The restore verb: deliver one WAL file to WAL_DEST, from the spool when a verified copy is
// waiting there, else straight from the archive. Every input is passed in; no process.*.

import { discardTemp } from '../durable/durable-write.js';
import { RemoteCommandError } from '../errors.js';
import { transferDecoders } from '../codec/transfer.js';
import { getWalArgs } from '../transport/barman-command.js';
import type { Transport } from '../transport/transport.js';
import type { SegmentHeader } from '../wal/header.js';
import type { WalName } from '../wal/name.js';
import type { RestoreOptions } from './args.js';
import { checkDestination, deliver } from './destination.js';
import { fetchVerified } from './fetch.js';
import { awaitInflight } from './await-inflight.js';
import { claimSpooled, inflightSize, isSpooled, type Spool } from './spool.js';

export type RestoreResult =
  | { kind: 'delivered'; from: 'spool' | 'archive'; header: SegmentHeader | undefined }
  | { kind: 'not-found' };

/** get-wal's status when the file is not in the archive (also for an unknown or inactive server). */
const REMOTE_NOT_FOUND = 1;

export interface RestoreContext {
  transport: Transport;
  /** Undefined when prefetching is off or the spool cannot be used. */
  spool: Spool | undefined;
  warn(line: string): void;
}

export async function restoreWal(options: RestoreOptions, wal: WalName, ctx: RestoreContext): Promise<RestoreResult> {
  await checkDestination(options.walDest);
  const spooled = ctx.spool ? await takeFromSpool(ctx.spool, wal, ctx.warn) : undefined;
  if (spooled) {
    await deliverOrDiscard(spooled.temp, options.walDest);
    return { kind: 'delivered', from: 'spool', header: spooled.header };
  }
  const args = getWalArgs(options, { fetch: wal.name });
  const fetched = await fetchVerified(ctx.transport, args, wal, options.walDest, transferDecoders(options.format));
  if (fetched.kind === 'remote-failed') {
    if (fetched.status === REMOTE_NOT_FOUND) return { kind: 'not-found' };
    throw new RemoteCommandError(`remote get-wal for ${wal.name} exited ${fetched.status}`, fetched.status);
  }
  await deliverOrDiscard(fetched.temp, options.walDest);
  return { kind: 'delivered', from: 'archive', header: fetched.header };
}

/** The spooled copy, waiting (boundedly) for one the prefetch worker is fetching right now. */
async function takeFromSpool(spool: Spool, wal: WalName, warn: (line: string) => void): ReturnType<typeof claimSpooled> {
  const claimed = await claimSpooled(spool, wal, warn);
  if (claimed || wal.kind !== 'segment') return claimed;
  const outcome = await awaitInflight({
    inflightSize: () => inflightSize(spool, wal.name),
    published: () => isSpooled(spool, wal.name),
  });
  return outcome === 'published' ? claimSpooled(spool, wal, warn) : undefined;
}

async function deliverOrDiscard(temp: Parameters<typeof deliver>[0], walDest: string): Promise<void> {
  try {
    await deliver(temp, walDest);
  } catch (error) {
    await discardTemp(temp);
    throw error;
  }
}
