// Publishing a finished fetch into ready/ (design §3.1): the file is checked on its open
// descriptor, then the gate runs synchronously on the markers as they are on disk at that
// instant, and only then the rename. Nothing in this process runs between the gate and the
// rename, so a fetch that finishes after PostgreSQL asked for its segment, was served it, or moved
// past it is discarded (issue 9's late-publish race). A Node call writes asked/ before it fetches
// and looks at ready/ again after, so a publish racing that write is taken, not left stale.

import { renameSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { INFLIGHT_DIR, READY_DIR } from '../../agent/layout.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import { fsyncDir, type TempFile } from '../../durable/durable-write.js';
import type { WalName } from '../../wal/name.js';
import { checkHeldSegment } from './held-segment.js';
import { readMarkerView, removeMarker } from './markers.js';
import { publishRefusal } from './rules.js';

export interface PublishInput {
  slot: Slot;
  wal: WalName;
  temp: TempFile;
  /** Read at gate time: abort() may be called while the file is being checked. */
  isAborted(): boolean;
  segmentSize: number;
  sysid: bigint | undefined;
}

/** undefined when published, else why it was discarded (the temp is gone either way). */
export async function publishFetched(input: PublishInput): Promise<string | undefined> {
  const { slot, wal, temp } = input;
  let refusal: string | undefined;
  try {
    const handle = await open(temp.path, 'r');
    try {
      const held = await checkHeldSegment(handle, wal, { sysid: input.sysid, segmentSize: input.segmentSize });
      refusal = held.ok
        ? gateAndRename(input, held.header.segmentSize, held.size, held.header.systemIdentifier)
        : held.reason;
    } finally {
      await handle.close();
    }
  } catch (error) {
    refusal = `cannot publish: ${(error as Error).message}`;
  }
  if (refusal !== undefined) {
    try {
      unlinkSync(temp.path);
    } catch {
      // already gone
    }
  } else {
    await fsyncDir(slotDirPath(slot, READY_DIR));
  }
  // ready/ before inflight/: a waiting call that sees inflight/ go then finds ready/ (design §1.2).
  removeMarker(slot, INFLIGHT_DIR, wal.name);
  return refusal;
}

/** Synchronous from the marker read to the rename. */
function gateAndRename(input: PublishInput, headerSegmentSize: number, size: number, headerSysid: bigint): string | undefined {
  const view = readMarkerView(input.slot);
  const refusal = publishRefusal(
    { wal: input.wal, aborted: input.isAborted(), size, headerSegmentSize, headerSysid },
    { view, segmentSize: input.segmentSize, clusterSysid: input.sysid },
  );
  if (refusal === undefined) renameSync(input.temp.path, join(slotDirPath(input.slot, READY_DIR), input.wal.name));
  return refusal;
}
