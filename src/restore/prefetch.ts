// The prefetch worker's two steps: plan (ask get-wal --peek which segments follow the one PostgreSQL
// just received) and fetch one segment into the spool through temp → verify → rename.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { transferDecoders } from '../codec/transfer.js';
import { publishReplacing, discardTemp } from '../durable/durable-write.js';
import { getWalArgs } from '../transport/barman-command.js';
import type { Transport } from '../transport/transport.js';
import { compareWalNames, nextSegment, parseWalName, requireWalName, type WalName } from '../wal/name.js';
import type { RestoreOptions } from './args.js';
import { fetchVerified } from './fetch.js';
import { readPrefetchRequest, type PrefetchRequest } from './prefetch-request.js';
import { cleanupSpool, isSpooled, type Spool } from './spool.js';

export type PrefetchOptions = Pick<RestoreOptions, 'config' | 'format' | 'partial' | 'serverName' | 'jobs'>;

export interface PrefetchContext {
  transport: Transport;
  options: PrefetchOptions;
  spool: Spool;
  log(line: string): void;
}

export interface PrefetchPlan {
  /** Spooled segments PostgreSQL can no longer ask for, now removed. */
  removed: string[];
  /** What --peek listed after the requested segment. */
  peeked: string[];
  /** The peeked segments not yet spooled, in the order PostgreSQL will ask for them. */
  wanted: WalName[];
}

/** Peek output is a few names; anything larger is not a peek answer. */
const PEEK_OUTPUT_LIMIT = 64 * 1024;

/** Names get-wal --peek lists from `from` on; [] when the remote fails (nothing to prefetch then). */
export async function peekNames(transport: Transport, options: PrefetchOptions, from: WalName, count: number): Promise<string[]> {
  const command = transport.run(getWalArgs(options, { peek: count, from: from.name }));
  command.stdin.end();
  let text = '';
  command.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (text.length < PEEK_OUTPUT_LIMIT) text += chunk;
  });
  const exit = await command.done;
  if (exit.status !== 0) return [];
  return text.split('\n').map((line) => line.trim()).filter((line) => parseWalName(line)?.kind === 'segment');
}

const isAfter = (wal: WalName, requested: WalName): boolean =>
  wal.timeline === requested.timeline && compareWalNames(wal, requested) > 0;

/**
 * For the segment PostgreSQL just received: clean the spool, then ask the archive which of the next
 * JOBS segments exist (starting right after it, so the size from its header gives exact names).
 */
export async function planPrefetch(ctx: PrefetchContext, request: PrefetchRequest): Promise<PrefetchPlan> {
  const requested = requireWalName(request.walName);
  const removed = await cleanupSpool(ctx.spool, requested);
  const start = nextSegment(requested, request.segmentSize);
  const peeked = (await peekNames(ctx.transport, ctx.options, start, ctx.options.jobs))
    .map((name) => requireWalName(name))
    .filter((wal) => isAfter(wal, requested));
  const wanted: WalName[] = [];
  for (const wal of peeked) if (!(await isSpooled(ctx.spool, wal.name))) wanted.push(wal);
  return { removed, peeked: peeked.map((wal) => wal.name), wanted };
}

/**
 * Whether to ask the archive for more: when fewer than half of JOBS segments after the request are
 * spooled or in flight. Planning on every request would cost one ssh round trip per segment.
 */
export async function needsPlan(ctx: PrefetchContext, request: PrefetchRequest, inflight: readonly string[]): Promise<boolean> {
  const requested = requireWalName(request.walName);
  const names = new Set([...inflight, ...(await readdir(ctx.spool.dir))]);
  const ahead = [...names].filter((name) => {
    const wal = parseWalName(name);
    return wal?.kind === 'segment' && isAfter(wal, requested);
  });
  return ahead.length < Math.ceil(ctx.options.jobs / 2);
}

/** Has PostgreSQL already asked for this segment (or a later one) since it was planned? */
async function isConsumed(ctx: PrefetchContext, wal: WalName): Promise<boolean> {
  const latest = await readPrefetchRequest(ctx.spool);
  return latest !== undefined && !isAfter(wal, requireWalName(latest.walName));
}

/** Fetches one segment into the spool; 'failed' (and a log line) when it could not. */
export async function fetchIntoSpool(ctx: PrefetchContext, wal: WalName): Promise<'fetched' | 'skipped' | 'failed'> {
  try {
    // A restore may have fetched it directly while it waited its turn: do not spool it for nothing.
    if (await isConsumed(ctx, wal)) return 'skipped';
    const args = getWalArgs(ctx.options, { fetch: wal.name });
    const result = await fetchVerified(ctx.transport, args, wal, join(ctx.spool.dir, wal.name), transferDecoders(ctx.options.format));
    if (result.kind === 'remote-failed') {
      ctx.log(`prefetch of ${wal.name}: remote get-wal exited ${result.status}`);
      return 'failed';
    }
    try {
      await publishReplacing(result.temp);
    } catch (error) {
      await discardTemp(result.temp);
      throw error;
    }
    return 'fetched';
  } catch (error) {
    ctx.log(`prefetch of ${wal.name} failed: ${(error as Error).message}`);
    return 'failed';
  }
}
