// The free-space guard (design §3.2): the spool lives on pg_wal's filesystem, and PostgreSQL
// needs room there too (RECOVERYXLOG, recycled segments, its own WAL after promotion). Prefetching
// is the one thing that can wait, so it pauses first.

import { statfs } from 'node:fs/promises';

/** Segments' worth of room always left to PostgreSQL after every running fetch has landed. */
export const RESERVE_SEGMENTS = 2;

/** Bytes an unprivileged writer may still use on the filesystem holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const info = await statfs(path);
  return info.bavail * info.bsize;
}

/**
 * May one more fetch start? Only if, after it and every fetch already running have landed, at
 * least RESERVE_SEGMENTS segments of room remain. Ready files already count in `free`.
 */
export const hasRoomFor = (free: number, segmentSize: number, running: number): boolean =>
  free >= (running + 1 + RESERVE_SEGMENTS) * segmentSize;

export const pausedMessage = (free: number): string =>
  `spool paused: ${Math.floor(free / (1024 * 1024))} MiB free on pg_wal; PostgreSQL's calls fetch directly until there is room`;
