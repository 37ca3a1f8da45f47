// The prefetch worker's planning step: ask get-wal --peek which segments follow the one PostgreSQL
// just received, and decide when the window ahead has run low enough to ask again.

import { readdir } from 'node:fs/promises';
import { isNotAvailable, requireRemoteSuccess } from '../../transport/remote-exit.js';
import type { Transport } from '../../transport/transport.js';
import { nextSegment, parseWalName, requireWalName, type WalName } from '../../wal/name.js';
import { getWalArgs } from '../../transport/barman-command.js';
import type { PrefetchContext, PrefetchOptions } from './job.js';
import type { PrefetchRequest } from './request.js';
import { cleanupSpool, isAhead, isSpooled } from './spool.js';

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

/**
 * Names get-wal --peek lists from `from` on; [] for an unknown server. Any other failure throws
 * (SshConnectError, RemoteCommandError): it is not "nothing there", and planPrefetch logs it.
 */
export async function peekNames(transport: Transport, options: PrefetchOptions, from: WalName, count: number): Promise<string[]> {
  const command = transport.run(getWalArgs(options, { peek: count, from: from.name }));
  command.stdin.end();
  let text = '';
  command.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (text.length < PEEK_OUTPUT_LIMIT) text += chunk;
  });
  const exit = await command.done;
  if (isNotAvailable(exit, options.serverName)) return [];
  requireRemoteSuccess(exit, { failed: (status) => `remote get-wal --peek after ${from.name} exited ${status}` });
  return text.split('\n').map((line) => line.trim()).filter((line) => parseWalName(line)?.kind === 'segment');
}

/**
 * For the segment PostgreSQL just received: clean the spool, then ask the archive which of the next
 * JOBS segments exist (starting right after it, so the size from its header gives exact names).
 */
export async function planPrefetch(ctx: PrefetchContext, request: PrefetchRequest): Promise<PrefetchPlan> {
  const requested = requireWalName(request.walName);
  const removed = await cleanupSpool(ctx.spool, requested);
  const start = nextSegment(requested, request.segmentSize);
  const listed = await peekNames(ctx.transport, ctx.options, start, ctx.options.jobs).catch((error: unknown) => {
    // Nothing to prefetch this round; the restores themselves fetch what they need.
    ctx.log(`peek after ${requested.name} failed: ${(error as Error).message}`);
    return [];
  });
  const peeked = listed
    .map((name) => requireWalName(name))
    .filter((wal) => isAhead(wal, requested));
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
    return wal?.kind === 'segment' && isAhead(wal, requested);
  });
  return ahead.length < Math.ceil(ctx.options.jobs / 2);
}
