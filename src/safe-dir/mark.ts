// `mark NAME`: the fixed command notify runs on the PostgreSQL host; it validates NAME again and
// publishes `<dir>/NAME.done` durably (temp → fsync → rename → fsync dir).

import { UsageError } from '../errors.js';
import { writeFileDurably } from '../durable/durable-write.js';
import { requireWalName, type WalName } from '../wal/name.js';
import { isRegularFile } from '../durable/file-exists.js';
import { markerPath, requireSafeDir, takenPath } from './safe-dir.js';

export interface MarkInput {
  name: string;
  dir: string;
  uid: number;
  /** For the marker's one-line content; injected so tests are deterministic. */
  now?: () => Date;
}

export type MarkOutcome = { wal: WalName; result: 'marked' | 'already-taken'; path: string };

/**
 * Never trusts the caller: ssh delivered NAME through a remote shell, so it is parsed again here
 * before it becomes part of a path. Exit 0 from this command means the marker is on disk.
 */
export async function markWal(input: MarkInput): Promise<MarkOutcome> {
  const wal = requireWalName(input.name, 'WAL file name');
  if (wal.kind === 'backup' || wal.kind === 'partial') {
    throw new UsageError(`${wal.name} needs no marker: check accepts .backup and .partial names without one`);
  }
  await requireSafeDir(input.dir, input.uid);
  // check already answered "safe" for it; a new marker would never be taken and only wait for sweep.
  if (await isRegularFile(takenPath(input.dir, wal.name))) return { wal, result: 'already-taken', path: takenPath(input.dir, wal.name) };
  const path = markerPath(input.dir, wal.name);
  const stamp = (input.now ?? (() => new Date()))().toISOString();
  await writeFileDurably(path, Buffer.from(`${wal.name} archived by Barman; marked ${stamp}\n`), { mode: 0o600 });
  return { wal, result: 'marked', path };
}
