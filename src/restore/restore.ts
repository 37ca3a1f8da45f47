// The restore verb: deliver one WAL file to WAL_DEST, from the spool when a verified copy is
// waiting there, else straight from the archive. Every input is passed in; no process.*.

import type { TempFile } from '../durable/durable-write.js';
import type { Transport } from '../transport/transport.js';
import type { SegmentHeader } from '../wal/header.js';
import type { WalName } from '../wal/name.js';
import type { RestoreOptions } from './args.js';
import { checkDestination, deliver } from './destination.js';
import { deliverClaimed } from './deliver-claimed.js';
import { fetchVerified } from './fetch.js';
import { notAvailableNote } from './not-available.js';
import { takeSpooled, type ClaimedFile } from './prefetch/claim.js';
import type { Spool } from './prefetch/spool.js';

export type RestoreResult =
  | { kind: 'delivered'; from: 'spool' | 'archive'; header: SegmentHeader | undefined }
  | { kind: 'not-found' };

export interface RestoreContext {
  transport: Transport;
  /** Undefined when prefetching is off or the spool cannot be used. */
  spool: Spool | undefined;
  /** The recovering cluster's (SPEC §7): a segment of another is refused. Undefined: not checked. */
  systemIdentifier?: bigint | undefined;
  warn(line: string): void;
}

/** A verified copy of the requested file (fetched to a temp name, or claimed from the spool), and where it came from. */
type Found = { header: SegmentHeader | undefined; from: 'spool' | 'archive' } & ({ temp: TempFile } | { claimed: ClaimedFile });

export async function restoreWal(options: RestoreOptions, wal: WalName, ctx: RestoreContext): Promise<RestoreResult> {
  await checkDestination(options.walDest);
  const found = (await fromSpool(ctx, wal)) ?? (await fromArchive(ctx, options, wal));
  if (!found) return { kind: 'not-found' };
  await ('claimed' in found ? deliverClaimed(found.claimed, options.walDest) : deliver(found.temp, options.walDest));
  return { kind: 'delivered', from: found.from, header: found.header };
}

async function fromSpool(ctx: RestoreContext, wal: WalName): Promise<Found | undefined> {
  const spooled = ctx.spool ? await takeSpooled(ctx.spool, wal, ctx.warn) : undefined;
  return spooled && { claimed: spooled.file, header: spooled.header, from: 'spool' };
}

/**
 * Undefined only when the archive answers "not found" or "unknown server" (PostgreSQL hears exit 1,
 * "not available"); any other remote failure, and a file it has but we cannot decode, throws.
 */
async function fromArchive(ctx: RestoreContext, options: RestoreOptions, wal: WalName): Promise<Found | undefined> {
  const fetched = await fetchVerified(ctx.transport, options, wal, options.walDest, ctx.systemIdentifier);
  if (fetched.kind === 'fetched') return { temp: fetched.temp, header: fetched.header, from: 'archive' };
  const note = notAvailableNote(wal, options.serverName, fetched.answer);
  if (note !== undefined) ctx.warn(note);
  return undefined;
}
