// walship-archive --async, the Node path (design §2): runs when the sh fast path found no valid
// ack. Report the agent's errors, trust only a hard-link ack of this very file, make sure the agent
// runs, wait for it; otherwise ship synchronously with today's code and exit codes, and ack that.

import { basename } from 'node:path';
import { readFence, type Fence } from '../agent/fence.js';
import { GLOBAL_STATUS_NAME, WAL_DIR } from '../agent/layout.js';
import { readShippedRecord } from '../agent/shipped-record.js';
import { openSlot, type Slot } from '../agent/slot.js';
import { readStatus } from '../agent/status-file.js';
import { archiveTargetKey, targetHash } from '../agent/target-key.js';
import { AgentSlotUnusableError } from '../errors.js';
import { isEntryName } from '../agent/layout.js';
import { archiveWal, type ArchiveRequest } from './archive.js';
import { ackPath, acknowledgeShipped, checkAck, describeWalFile, fsyncAcks, linkAck, removeAck } from './agent/acknowledge.js';
import { agentReportsError, awaitAck, isAckedFor } from './agent/await-ack.js';
import { ensureAgentRunning } from './agent/ensure-running.js';
import { targetIdentityOf, type ParsedArchiveArgs } from './options.js';

export interface AsyncCall {
  args: ParsedArchiveArgs;
  /** The whole command line; minus WAL_PATH it is the agent's, and its TARGET KEY. */
  argv: readonly string[];
  /** The cwd PostgreSQL gives archive_command. */
  dataDir: string;
  /** The environment an s3:// target's endpoint is resolved in (AWS_ENDPOINT_URL), for the target-hash. */
  env: NodeJS.ProcessEnv;
  warn: (line: string) => void;
}

/** The file's name when %p has PostgreSQL's shape `pg_wal/<name>`; anything else is served synchronously. */
const asyncName = (walPath: string): string | undefined => {
  const name = basename(walPath);
  return walPath === `${WAL_DIR}/${name}` && isEntryName(name) ? name : undefined;
};

async function openArchiveSlot(call: AsyncCall): Promise<Slot | undefined> {
  return openSlot(call.dataDir, 'archive', { create: true }).catch((error: unknown) => {
    if (!(error instanceof AgentSlotUnusableError)) throw error;
    call.warn(`WARNING: ${error.message}`);
    return undefined;
  });
}

async function reportAgentErrors(slot: Slot, name: string, warn: AsyncCall['warn']): Promise<void> {
  for (const status of [GLOBAL_STATUS_NAME, name]) {
    const read = await readStatus(slot.dir, status);
    if (read.state === 'present') warn(`WARNING: async archiving: ${read.value.message.replace(/\n/g, '\n  ')}`);
  }
}

/** A valid ack, or a shipped/ record that still matches the bytes (then the ack is made again). */
async function alreadyArchived(slot: Slot, name: string, armed: { fence: Fence; key: string; hash: string }, warn: AsyncCall['warn']): Promise<boolean> {
  const ack = await checkAck(slot, name);
  if (ack.state === 'foreign') {
    warn(`WARNING: async acknowledgement ${ackPath(slot, name)} ${ack.reason}; removed, shipping ${name} again`);
    await removeAck(slot, name);
  } else if (ack.state === 'valid' && (await isAckedFor(slot, name, armed.fence, armed.key))) return true;
  const record = await readShippedRecord(slot.dir, name);
  if (record.state !== 'present' || record.value.targetHash !== armed.hash) return false;
  const file = await describeWalFile(slot, name);
  if (file.sha256 !== record.value.sha256 || file.size !== record.value.size) return false;
  await linkAck(slot, file);
  return true;
}

export async function archiveAsync(request: ArchiveRequest, call: AsyncCall): Promise<void> {
  const name = asyncName(request.walPath);
  const slot = name === undefined ? undefined : await openArchiveSlot(call);
  const fence = await readFence(call.dataDir);
  if (name === undefined || slot === undefined || fence === undefined) return void (await archiveWal(request));
  const armed = { fence, key: archiveTargetKey(call.argv, call.env) ?? '', hash: targetHash(targetIdentityOf(call.args, call.env)) };
  await reportAgentErrors(slot, name, call.warn);
  if (await alreadyArchived(slot, name, armed, call.warn)) return;
  const running = await ensureAgentRunning(slot, fence, armed.key, call.argv.slice(0, -1));
  const waitMs = call.args.options.asyncWait * 1000;
  if (running && waitMs > 0 && !(await agentReportsError(slot, name)) && (await awaitAck(slot, name, armed, waitMs))) return;
  const sent = await archiveWal({ ...request, ownSha256: true });
  for (const file of sent) {
    // The archive host answered 0: remember it, so a retry or a restarted agent does not ship it again.
    await acknowledgeShipped(slot, { ...file, sha256: file.sha256 as string }, armed.hash).catch((error: unknown) => {
      call.warn(`WARNING: could not record ${file.name} as archived (${(error as Error).message})`);
    });
  }
  await fsyncAcks(slot).catch(() => undefined);
}
