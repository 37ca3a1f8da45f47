// `check`: archive_command's answer to "has Barman got %f?", read from the safe dir.
//
// Marker life cycle, and why it is not simply unlinked: PostgreSQL records a success (renames
// archive_status/%f.ready to .done) only after archive_command has exited 0. If check unlinked
// `%f.done` durably and the host crashed before PostgreSQL's rename reached the disk, PostgreSQL
// would ask for %f again after restart, the fact "Barman has it" would be gone (Barman notifies
// once), and archiving would stall for good. So check renames `%f.done` to `%f.archived` (atomic:
// after a crash one of the two names exists, and both mean "safe"), fsyncs the directory, and
// exits 0. The archiver is one process that calls archive_command for the next file only after
// it has recorded the previous success, so when check runs for another name every `*.archived`
// left in the dir is history and is unlinked, then the directory is fsynced.

import { readdir, rename, unlink } from 'node:fs/promises';
import { errnoCode } from '../errors.js';
import { fsyncDir } from '../durable/durable-write.js';
import { requireWalName, type WalName } from '../wal/name.js';
import { pollUntil, type PollOptions } from './poll.js';
import { isRegularFile } from '../durable/file-exists.js';
import { classifyEntry, markerPath, requireSafeDir, takenPath } from './safe-dir.js';

export interface CheckInput {
  /** %f exactly as PostgreSQL passed it. */
  name: string;
  dir: string;
  /** The running user's uid: the safe dir must be owned by it. */
  uid: number;
  waitMs: number;
  /** PostgreSQL 9.2 only: its pg_receivexlog never fetches history files, so no marker would come. */
  acceptHistory: boolean;
  poll?: Omit<PollOptions, 'timeoutMs'>;
}

export type SafeReason = 'marker' | 'taken-before' | 'backup-label' | 'partial' | 'history-accepted';
export type CheckOutcome = { safe: true; wal: WalName; reason: SafeReason } | { safe: false; wal: WalName };

/**
 * Names that never get a marker. A `.backup` label: Barman takes its own backups and keeps the
 * label in backup.info, and no streamed copy of it exists. A `.partial`: PostgreSQL 9.5+ archives
 * one only at promotion, documents that recovery never uses it, and Barman's streamed copy of that
 * range already exists; waiting for a marker nobody sends would stop all archiving behind it.
 */
function exemptReason(wal: WalName, acceptHistory: boolean): SafeReason | undefined {
  if (wal.kind === 'backup') return 'backup-label';
  if (wal.kind === 'partial') return 'partial';
  if (wal.kind === 'history' && acceptHistory) return 'history-accepted';
  return undefined;
}

/** Unlinks every `*.archived` except `keep` (see the header), then makes the removals durable. */
async function dropEarlierTaken(dir: string, keep: string): Promise<void> {
  let removed = 0;
  for (const entry of await readdir(dir)) {
    const item = classifyEntry(entry);
    if (item.kind !== 'taken' || item.wal.name === keep) continue;
    await unlink(takenPath(dir, item.wal.name)).then(
      () => removed++,
      (error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error;
      },
    );
  }
  if (removed > 0) await fsyncDir(dir);
}

/**
 * One probe: take `<name>.done` if it is there, or accept an earlier take of the same name. Only
 * regular files count: a directory or symlink under a marker's name was not made by mark.
 */
async function takeMarker(dir: string, name: string): Promise<SafeReason | undefined> {
  if (await isRegularFile(markerPath(dir, name))) {
    try {
      await rename(markerPath(dir, name), takenPath(dir, name));
      await fsyncDir(dir);
      return 'marker';
    } catch (error) {
      // Gone in between (sweep): fall through to the taken marker, if any.
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }
  return (await isRegularFile(takenPath(dir, name))) ? 'taken-before' : undefined;
}

export async function checkWal(input: CheckInput): Promise<CheckOutcome> {
  const wal = requireWalName(input.name, 'WAL file name (%f)');
  await requireSafeDir(input.dir, input.uid);
  await dropEarlierTaken(input.dir, wal.name);
  const exempt = exemptReason(wal, input.acceptHistory);
  if (exempt) return { safe: true, wal, reason: exempt };
  const reason = await pollUntil(() => takeMarker(input.dir, wal.name), { ...input.poll, timeoutMs: input.waitMs });
  return reason === undefined ? { safe: false, wal } : { safe: true, wal, reason };
}
