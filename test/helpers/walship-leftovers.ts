// What walship may leave behind in an orchestrated cluster, read from outside: processes still
// running in a stopped cluster's data directory (agents, their ssh masters, prefetch workers),
// the async restore spool, and walship's own ERROR lines in PostgreSQL's log (issue 10).
import { readdir, readlink, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';

/** `pid cmdline` of every process whose cwd is dataDir (the agents run there; PostgreSQL is stopped). */
export async function processesIn(dataDir: string): Promise<string[]> {
  const real = await realpath(dataDir).catch(() => dataDir);
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    if (cwd !== real) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    found.push(`${pid} ${cmdline.replaceAll('\0', ' ').trim()}`);
  }
  return found;
}

/** Entries of the async restore spool `pg_wal/.walship/restore/ready/` ([] when it is absent). */
export const asyncReadyEntries = async (dataDir: string): Promise<string[]> =>
  readdir(join(dataDir, 'pg_wal', '.walship', 'restore', 'ready')).catch(() => []);

/**
 * walship's ERROR lines in a PostgreSQL (or Patroni) log: the clients print `ERROR: …` at the start
 * of a line, where PostgreSQL's own lines start with a timestamp.
 */
export async function walshipErrorLines(logPath: string): Promise<string[]> {
  return (await readFile(logPath, 'utf8')).split('\n').filter((line) => line.startsWith('ERROR: '));
}

/** walship-restore's NOTE lines for segments the archive did not have (the routine answer, issue 10). */
export async function notInArchiveLines(logPath: string): Promise<string[]> {
  return (await readFile(logPath, 'utf8')).split('\n').filter((line) => /^NOTE: WAL file '.*' is not in the archive/.test(line));
}
