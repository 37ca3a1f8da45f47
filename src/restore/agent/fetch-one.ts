// One agent fetch: get-wal into a temp file in the slot's tmp/, verified against its name
// (fetchVerified: the sync path's own fetch and header check), abortable at any moment. An
// aborted fetch kills its remote command and is never published, whatever happens after.

import type { GetWalCall } from '../../transport/barman-command.js';
import { join } from 'node:path';
import { TMP_DIR } from '../../agent/layout.js';
import { slotDirPath, type Slot } from '../../agent/slot.js';
import type { TempFile } from '../../durable/durable-write.js';
import { errnoCode } from '../../errors.js';
import type { RemoteCommand, Transport } from '../../transport/transport.js';
import type { SegmentHeader } from '../../wal/header.js';
import type { WalName } from '../../wal/name.js';
import { fetchVerified } from '../fetch.js';

export type FetchOutcome =
  | { kind: 'fetched'; temp: TempFile; header: SegmentHeader }
  | { kind: 'missing' }
  | { kind: 'failed'; message: string; noSpace: boolean };

export interface RunningFetch {
  readonly wal: WalName;
  /** Set by abort(); read by the publish gate. */
  readonly aborted: boolean;
  abort(): void;
  /** Never rejects. */
  readonly done: Promise<FetchOutcome>;
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** The errno under a wrapped error (DestinationUnusableError keeps the fs error as cause). */
const rootErrno = (error: unknown): string | undefined =>
  errnoCode(error) ?? (error instanceof Error && error.cause !== undefined ? rootErrno(error.cause) : undefined);

export function startFetch(transport: Transport, options: GetWalCall, slot: Slot, wal: WalName): RunningFetch {
  let command: RemoteCommand | undefined;
  let aborted = false;
  // A transport that remembers its one command, so abort() can kill it mid-stream.
  const tracked: Transport = {
    label: transport.label,
    run(args, runOptions) {
      command = transport.run(args, runOptions);
      if (aborted) command.abort();
      return command;
    },
    close: () => Promise.resolve(),
  };
  const finalPath = join(slotDirPath(slot, TMP_DIR), wal.name);
  const done = fetchVerified(tracked, options, wal, finalPath).then(
    (result): FetchOutcome => {
      if (result.kind !== 'fetched') return { kind: 'missing' };
      if (result.header === undefined) throw new Error(`${wal.name} has no segment header`); // a segment name always has one
      return { kind: 'fetched', temp: result.temp, header: result.header };
    },
  ).catch((error: unknown): FetchOutcome => {
    const code = rootErrno(error);
    return { kind: 'failed', message: (error as Error).message, noSpace: code !== undefined && NO_SPACE.has(code) };
  });
  return {
    wal,
    get aborted() {
      return aborted;
    },
    abort() {
      aborted = true;
      command?.abort();
    },
    done,
  };
}
