// Re-arming the archive slot when an agent starts (design §2 "Re-arm"): the last incarnation's
// acks, wants and errors go, then every .ready file that a shipped/ record says the same target
// already holds gets its ack back, without shipping it again. That is what keeps a restarted agent
// from re-shipping, and an agent restarted after a lost ack from wedging on Barman 3.4.

import { rearmSlot, type Slot } from '../../agent/slot.js';
import type { Fence } from '../../agent/fence.js';
import type { AgentLog } from '../../agent/log.js';
import { readShippedRecord } from '../../agent/shipped-record.js';
import { describeWalFile, fsyncAcks, linkAck } from './acknowledge.js';

export interface RearmReport {
  /** Ready files acknowledged again from their records. */
  relinked: string[];
  /** Ready files whose record no longer matches their bytes (recycled, rewritten): shipped again. */
  stale: string[];
}

export async function rearmArchive(
  slot: Slot,
  armedFor: { fence: Fence; key: string; targetHash: string },
  ready: Iterable<string>,
  log: AgentLog,
): Promise<RearmReport> {
  await rearmSlot(slot, armedFor.fence, armedFor.key);
  const report: RearmReport = { relinked: [], stale: [] };
  for (const name of [...ready].sort()) {
    const record = await readShippedRecord(slot.dir, name);
    if (record.state === 'malformed') await log.write('WARNING', `ignoring malformed shipped/${name}; it will be shipped again`);
    if (record.state !== 'present' || record.value.targetHash !== armedFor.targetHash) continue;
    const file = await describeWalFile(slot, name).catch(() => undefined);
    const same = file !== undefined && file.sha256 === record.value.sha256 && file.size === record.value.size;
    if (same && (await linkAck(slot, file)) === 'acked') report.relinked.push(name);
    else report.stale.push(name);
  }
  if (report.relinked.length > 0) await fsyncAcks(slot);
  return report;
}
