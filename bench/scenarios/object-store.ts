// (e) and (f): scenarios (a) and (c) against S3-compatible object storage (issue 13), walship side by
// side with barman-cloud 3.4 on the same store. The store (a one-node Ceph radosgw on 127.0.0.1)
// lives only for these two scenarios and is stopped however they end. A store that does not start
// or a set-up step that fails becomes `error` (a note in the report), so the rest of a long run
// still gets its report.

import { pick } from '../env.js';
import { fillRestorePrefix, RESTORE_PREFIX, startBenchStore } from '../fixture/object-store.js';
import type { BenchStore } from '../fixture/object-store.js';
import { objectStoreArchiveTools, objectStoreRestoreTools } from '../tools/object-store.js';
import type { ToolContext } from '../tools/context.js';
import { runArchiveSeq } from './archive-seq.js';
import type { SeqInput } from './archive-seq.js';
import { runRestoreSeq } from './restore-seq.js';
import type { SeqResult } from './types.js';

/** Tool ids per scenario ([]: every tool); a scenario left out is not run. */
export interface ObjectStoreRun {
  archive?: readonly string[];
  restore?: readonly string[];
}

export interface ObjectStoreResults {
  archive: SeqResult[];
  restore: SeqResult[];
  error?: string;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 3).join(' / ');

export async function runObjectStore(ctx: ToolContext, input: SeqInput, which: ObjectStoreRun): Promise<ObjectStoreResults> {
  input.log('object storage: starting Ceph (mon, memstore OSD, radosgw) on 127.0.0.1');
  let store: BenchStore;
  try {
    store = await startBenchStore();
  } catch (e) {
    return { archive: [], restore: [], error: `the S3 store did not start: ${firstLine(e)}` };
  }
  const results: ObjectStoreResults = { archive: [], restore: [] };
  try {
    if (which.archive !== undefined) results.archive = await runArchiveSeq(pick(objectStoreArchiveTools(store), which.archive), input);
    if (which.restore !== undefined) {
      input.log(`object storage: barman-cloud-wal-archive fills ${store.url(RESTORE_PREFIX)} with ${input.names.length} segments`);
      await fillRestorePrefix(store, input.staging, input.names);
      results.restore = await runRestoreSeq(pick(objectStoreRestoreTools(ctx, store), which.restore), input);
    }
  } catch (e) {
    results.error = `object storage stopped early: ${firstLine(e)}`;
  } finally {
    await store.stop();
  }
  return results;
}
