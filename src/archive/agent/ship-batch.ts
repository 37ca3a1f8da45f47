// One lane's work on one batch: check each file is the segment it claims, send them all in one
// put-wal stream (today's archive code), and acknowledge each only after the archive host's 0.
// Every failure becomes a status file the next PostgreSQL call prints, and an outcome the
// scheduler turns into a retry (design §2 "Errors", §2.1).

import { Writable } from 'node:stream';
import { GLOBAL_STATUS_NAME } from '../../agent/layout.js';
import { clearStatus, writeStatus } from '../../agent/status-file.js';
import type { Slot } from '../../agent/slot.js';
import type { AgentLog } from '../../agent/log.js';
import { RemoteCommandError, SshConnectError } from '../../errors.js';
import { requireWalName } from '../../wal/name.js';
import { archiveWal } from '../archive.js';
import type { ParsedArchiveArgs } from '../options.js';
import { acknowledgeShipped, describeWalFile, fsyncAcks, walFilePath } from './acknowledge.js';
import type { Lane } from './lanes.js';
import { segmentMismatch } from './segment-identity.js';
import { verifyByFetch } from './verify-duplicate.js';

export interface AgentContext {
  slot: Slot;
  args: ParsedArchiveArgs;
  targetHash: string;
  systemId: bigint | undefined;
  log: AgentLog;
}

export type BatchOutcome =
  /** Acknowledged (or found already archived); `failed` had a per-file error before sending. */
  | { kind: 'acked'; names: string[]; failed: string[] }
  /** A multi-file stream was refused: ship each file alone next (Barman 3.4 duplicates). */
  | { kind: 'split'; names: string[] }
  /** Nothing acknowledged; global when the archive host could not be reached at all. */
  | { kind: 'failed'; names: string[]; global: boolean };

const discard = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

/** The files that may be shipped; the others get their .error now and are never sent. */
async function checkIdentities(ctx: AgentContext, names: readonly string[]): Promise<{ ok: string[]; bad: string[] }> {
  const ok: string[] = [];
  const bad: string[] = [];
  for (const name of names) {
    const path = walFilePath(ctx.slot, name);
    const reason = await segmentMismatch(path, requireWalName(name), ctx.systemId).catch((error: unknown) => `cannot be read: ${(error as Error).message}`);
    if (reason === undefined) ok.push(name);
    else {
      bad.push(name);
      await writeStatus(ctx.slot.dir, name, { code: 2, message: `pg_wal/${name} is not shipped: ${reason}` });
      await ctx.log.write('ERROR', `${name} not shipped: ${reason}`);
    }
  }
  return { ok, bad };
}

export async function shipBatch(ctx: AgentContext, lane: Lane, names: readonly string[]): Promise<BatchOutcome> {
  const { ok, bad } = await checkIdentities(ctx, names);
  if (ok.length === 0) return { kind: 'failed', names: bad, global: false };
  lane.stderr.take();
  let sent;
  try {
    sent = await archiveWal({
      walPath: walFilePath(ctx.slot, ok[0] as string), extraPaths: ok.slice(1).map((name) => walFilePath(ctx.slot, name)),
      server: ctx.args.server, configPath: ctx.args.options.config, checksum: ctx.args.checksum,
      compression: ctx.args.compression, compressionLevel: ctx.args.options.compressionLevel,
      ownSha256: true, transport: lane.transport, stdout: discard(),
    });
  } catch (error) {
    const outcome = await handleFailure(ctx, lane, ok, error);
    return outcome.kind === 'failed' ? { ...outcome, names: [...outcome.names, ...bad] } : outcome;
  }
  const acked: string[] = [];
  for (const file of sent) {
    const result = await acknowledgeShipped(ctx.slot, { ...file, sha256: file.sha256 as string }, ctx.targetHash);
    if (result === 'acked') acked.push(file.name);
  }
  await fsyncAcks(ctx.slot);
  await clearStatus(ctx.slot.dir, GLOBAL_STATUS_NAME);
  await ctx.log.write('INFO', `lane ${lane.index}: archived ${acked.join(' ')}`);
  // What the archive said beside its 0 (a different duplicate kept aside, a request retried) is the DBA's evidence.
  const said = lane.stderr.take();
  if (said !== '') await ctx.log.write(said.includes('WARNING') ? 'WARNING' : 'INFO', `lane ${lane.index}: ${lane.transport.label} said: ${said}`);
  return { kind: 'acked', names: acked, failed: bad };
}

const detail = (message: string, stderr: string): string => (stderr === '' ? message : `${message}\n${stderr}`);

async function handleFailure(ctx: AgentContext, lane: Lane, names: string[], error: unknown): Promise<BatchOutcome> {
  const stderr = lane.stderr.take();
  const message = detail((error as Error).message, stderr);
  await ctx.log.write('WARNING', `lane ${lane.index}: ${names.join(' ')}: ${message}`);
  if (error instanceof SshConnectError) {
    await writeStatus(ctx.slot.dir, GLOBAL_STATUS_NAME, { code: 3, message });
    return { kind: 'failed', names, global: true };
  }
  if (error instanceof RemoteCommandError && names.length > 1) return { kind: 'split', names };
  const [name] = names as [string];
  if (error instanceof RemoteCommandError && error.status === 1) return verifyRefused(ctx, lane, name, message);
  const code = error instanceof RemoteCommandError ? error.status : 2;
  for (const each of names) await writeStatus(ctx.slot.dir, each, { code, message });
  return { kind: 'failed', names, global: false };
}

/** A single file refused with 1: already archived with the same bytes (ack), or a real conflict. */
async function verifyRefused(ctx: AgentContext, lane: Lane, name: string, message: string): Promise<BatchOutcome> {
  const path = walFilePath(ctx.slot, name);
  const verdict = await verifyByFetch(lane.transport, { server: ctx.args.server, config: ctx.args.options.config }, name, path);
  lane.stderr.take();
  if (verdict === 'identical') {
    const acked = await acknowledgeShipped(ctx.slot, await describeWalFile(ctx.slot, name), ctx.targetHash);
    await fsyncAcks(ctx.slot);
    await ctx.log.write('INFO', `lane ${lane.index}: ${name} already archived (verified)`);
    return acked === 'acked' ? { kind: 'acked', names: [name], failed: [] } : { kind: 'failed', names: [name], global: false };
  }
  const why = verdict === 'different' ? 'the archive holds different bytes under this name' : 'the archived copy could not be fetched to compare';
  await writeStatus(ctx.slot.dir, name, { code: 1, message: `${message}\n${why}` });
  return { kind: 'failed', names: [name], global: false };
}
