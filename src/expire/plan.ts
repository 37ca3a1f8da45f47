// What expire keeps and removes, decided from names and labels only (pure). The cut is the start
// segment of the oldest kept base backup: every segment, .partial and label before it goes, on every
// timeline; everything from it on stays, on every timeline, and so do all history files. Comparing
// (log, segment) pairs needs no segment size: names order the same way for every size.

import type { BackupLabel } from '../store/backup-label.js';
import { comparePosition, isBefore, type StoredFile } from '../store/inventory.js';
import type { WalName } from '../wal/name.js';

export interface RetentionPolicy {
  /** Keep the newest N base backups. */
  readonly keep: number | undefined;
  /** Keep what recovery to any point of the last D days needs: the backups since then and the newest before. */
  readonly keepDays: number | undefined;
}

export interface ExpirePlan {
  readonly kept: BackupLabel[];
  readonly expired: BackupLabel[];
  /** The oldest kept backup's start segment; undefined: nothing to remove. */
  readonly cut: WalName | undefined;
  /** In removal order: labels first, then segments oldest first (see removalOrder). */
  readonly removals: StoredFile[];
}

/** Labels are oldest first; the index of the oldest backup each policy keeps. */
function oldestKeptIndex(labels: readonly BackupLabel[], policy: RetentionPolicy, now: number): number {
  const candidates: number[] = [];
  if (policy.keep !== undefined) candidates.push(Math.max(0, labels.length - policy.keep));
  if (policy.keepDays !== undefined) {
    const since = now - policy.keepDays * 86_400_000;
    const firstInWindow = labels.findIndex((label) => label.time >= since);
    // The newest backup older than the window is needed to reach the window's first moments.
    candidates.push(firstInWindow === -1 ? labels.length - 1 : Math.max(0, firstInWindow - 1));
  }
  // Both given: keep what either keeps.
  return Math.min(...candidates);
}

/**
 * Labels of expired backups go first, then segments in ascending position. check counts continuity
 * from the oldest label; with the expired labels gone first, a kill at any later point leaves the
 * oldest kept backup as the floor and a contiguous run of segments from wherever removal stopped:
 * the archive looks exactly as if expire had been run with an older cut (README "expire").
 */
export function removalOrder(files: readonly StoredFile[]): StoredFile[] {
  const labels = files.filter((file) => file.wal.kind === 'backup');
  const others = files.filter((file) => file.wal.kind !== 'backup');
  const byPosition = (a: StoredFile, b: StoredFile): number => comparePosition(a.wal, b.wal);
  return [...labels.sort(byPosition), ...others.sort(byPosition)];
}

export function planExpire(files: readonly StoredFile[], labels: readonly BackupLabel[], policy: RetentionPolicy, now: number): ExpirePlan {
  if (labels.length === 0) return { kept: [], expired: [], cut: undefined, removals: [] };
  const index = oldestKeptIndex(labels, policy, now);
  const kept = labels.slice(index);
  const expired = labels.slice(0, index);
  const cut = kept[0]?.start;
  // Even with no backup expired, what lies before the oldest backup's start restores nothing: WAL
  // archived before the first backup, or what an interrupted expire had not removed yet (it removes
  // the expired labels first, so a rerun sees only the kept backups and must still finish the job).
  if (cut === undefined) return { kept, expired, cut: undefined, removals: [] };
  const expiredLabels = new Set(expired.map((label) => label.file.path));
  const removable = files.filter((file) => file.wal.kind !== 'history' && (isBefore(file.wal, cut) || expiredLabels.has(file.path)));
  return { kept, expired, cut, removals: removalOrder(removable) };
}
