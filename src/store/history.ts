// Timeline history files (TTTTTTTT.history): one line per ancestor, "parentTLI switchpoint reason",
// written by PostgreSQL at promotion (timeline.c writeTimeLineHistory). The last line is the
// direct parent and the LSN where this timeline began.

import { readStoredText } from './stored-text.js';

export interface HistoryEntry {
  /** An ancestor timeline... */
  readonly timeline: number;
  /** ...which ended at this LSN, where its child began. */
  readonly switchLsn: bigint;
}

/** Parses a history file's text; comment and blank lines are skipped, as PostgreSQL does. */
export function parseHistory(text: string): HistoryEntry[] {
  return text.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})/.exec(line);
    if (match === null) return [];
    return [{ timeline: Number(match[1]), switchLsn: (BigInt(`0x${match[2]}`) << 32n) | BigInt(`0x${match[3]}`) }];
  });
}

/** Every history file's entries, by the timeline it describes; unreadable files are reported, not thrown. */
export async function readHistories(files: readonly { wal: { timeline: number; kind: string }; path: string }[]): Promise<{
  histories: Map<number, HistoryEntry[]>;
  unreadable: string[];
}> {
  const histories = new Map<number, HistoryEntry[]>();
  const unreadable: string[] = [];
  for (const file of files.filter((f) => f.wal.kind === 'history')) {
    const text = await readStoredText(file.path);
    if (text === undefined) unreadable.push(file.path);
    else histories.set(file.wal.timeline, parseHistory(text));
  }
  return { histories, unreadable };
}
