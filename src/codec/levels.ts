// Compression levels for walship-archive's --compression-level, which barman-cli 3.14+ defines as
// "an integer within the chosen algorithm's range, or one of low, medium, high". The ranges are the
// compressing programs' own (zlib's for gzip); the labels are walship's choice, documented in the
// README: low is each one's fastest level, high a strong one that stays fast enough for
// archive_command (not xz -9 or zstd -19, which take seconds per 16 MiB segment).

import type { ArchiveCompression } from './codecs.js';

export interface LevelRange {
  min: number;
  max: number;
  low: number;
  medium: number;
  high: number;
}

export const LEVELS: Readonly<Record<ArchiveCompression, LevelRange>> = {
  gzip: { min: 1, max: 9, low: 1, medium: 5, high: 9 },
  bzip2: { min: 1, max: 9, low: 1, medium: 5, high: 9 },
  xz: { min: 0, max: 9, low: 0, medium: 3, high: 6 },
  zstd: { min: 1, max: 19, low: 1, medium: 3, high: 9 },
  lz4: { min: 1, max: 12, low: 1, medium: 4, high: 9 },
};

export const LEVEL_LABELS = ['low', 'medium', 'high'] as const;

/** The numeric level `text` names for `kind`, or a message saying what is allowed. */
export function resolveLevel(kind: ArchiveCompression, text: string): number | string {
  const range = LEVELS[kind];
  if ((LEVEL_LABELS as readonly string[]).includes(text)) return range[text as (typeof LEVEL_LABELS)[number]];
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (value >= range.min && value <= range.max) return value;
  return `--compression-level ${text} is not valid for ${kind}: expected ${range.min} to ${range.max}, low, medium or high`;
}
