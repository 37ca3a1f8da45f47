// Backup history files (`<start segment>.<offset>.backup`): PostgreSQL archives one at the end of
// every base backup (pg_backup_stop / pg_basebackup), so the archive itself says where each backup
// starts, even on a host with no backup catalogue. expire keeps what the newest ones need.

import { stat } from 'node:fs/promises';
import type { WalName } from '../wal/name.js';
import type { StoredFile } from './inventory.js';
import { readStoredText } from './stored-text.js';

export interface BackupLabel {
  readonly file: StoredFile;
  /** The segment holding START WAL LOCATION: the first one recovery from this backup reads. */
  readonly start: WalName;
  /** Byte offset of START WAL LOCATION in that segment (the name's middle field). */
  readonly offset: number;
  /** STOP TIME, else the label's mtime (when it was archived, moments after the backup ended). */
  readonly time: number;
  readonly label: string | undefined;
}

/** `2024-05-01 12:00:00 UTC`: the zone is an abbreviation; UTC and GMT are all we trust to parse. */
function parseStopTime(text: string): number | undefined {
  const match = /^STOP TIME:\s*(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\s*(UTC|GMT)?\s*$/m.exec(text);
  if (match === null || match[3] === undefined) return undefined;
  const time = Date.parse(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(time) ? undefined : time;
}

/** The label of a `.backup` file; undefined when it cannot be read. The name alone fixes the start. */
export async function readBackupLabel(file: StoredFile): Promise<BackupLabel | undefined> {
  const text = await readStoredText(file.path);
  if (text === undefined) return undefined;
  const start: WalName = { name: file.wal.name.slice(0, 24), kind: 'segment', timeline: file.wal.timeline, log: file.wal.log, seg: file.wal.seg };
  const mtime = (await stat(file.path)).mtimeMs;
  return {
    file,
    start,
    offset: parseInt(file.wal.name.slice(25, 33), 16),
    time: parseStopTime(text) ?? mtime,
    label: /^LABEL:\s*(.*)$/m.exec(text)?.[1],
  };
}

/** Every readable label, oldest start first; the unreadable ones by path. */
export async function readBackupLabels(files: readonly StoredFile[]): Promise<{ labels: BackupLabel[]; unreadable: string[] }> {
  const labels: BackupLabel[] = [];
  const unreadable: string[] = [];
  for (const file of files.filter((f) => f.wal.kind === 'backup')) {
    const label = await readBackupLabel(file);
    if (label === undefined) unreadable.push(file.path);
    else labels.push(label);
  }
  labels.sort((a, b) => a.start.log - b.start.log || a.start.seg - b.start.seg || a.offset - b.offset || a.time - b.time);
  return { labels, unreadable };
}
