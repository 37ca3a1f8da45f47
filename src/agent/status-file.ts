// Async status files, pgBackRest's format (archive/common.c archiveAsyncStatusErrorWrite):
// status/<name>.error or status/global.error = "<exit code>\n<message, one or more lines>\n".
// The agent writes them; the next PostgreSQL call prints them as WARNINGs and sh only tests -e.

import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { writeFileDurably } from '../durable/durable-write.js';
import { ERROR_SUFFIX, isStatusName, STATUS_DIR } from './layout.js';
import { readStateFile, type StoredRead } from './stored-read.js';

export interface StatusRecord {
  /** The exit status the call would have given (0..255). */
  readonly code: number;
  /** Human text; may span lines, never ends with a newline. */
  readonly message: string;
}

const CODE_RE = /^(0|[1-9][0-9]{0,2})$/;

export function formatStatus(record: StatusRecord): string {
  if (!Number.isInteger(record.code) || record.code < 0 || record.code > 255) {
    throw new RangeError(`status code ${record.code} is not an exit status`);
  }
  return `${record.code}\n${record.message.replace(/\n+$/, '')}\n`;
}

/** Strict: a code line, then the message, then one final newline; anything else is malformed. */
export function parseStatus(text: string): StatusRecord | undefined {
  if (!text.endsWith('\n')) return undefined;
  const newline = text.indexOf('\n');
  const codeText = text.slice(0, newline);
  if (!CODE_RE.test(codeText) || Number(codeText) > 255) return undefined;
  return { code: Number(codeText), message: text.slice(newline + 1, -1) };
}

/** `<slot>/status/<name>.error`; throws on any name that is not a WAL name or `global`. */
export function statusPath(slotDir: string, name: string): string {
  if (!isStatusName(name)) throw new RangeError(`${JSON.stringify(name)} is not a status name`);
  return join(slotDir, STATUS_DIR, `${name}${ERROR_SUFFIX}`);
}

/** Durable, so an error the agent saw is still reported after a crash. */
export async function writeStatus(slotDir: string, name: string, record: StatusRecord): Promise<void> {
  await writeFileDurably(statusPath(slotDir, name), Buffer.from(formatStatus(record)), { mode: 0o600 });
}

export const readStatus = (slotDir: string, name: string): Promise<StoredRead<StatusRecord>> =>
  readStateFile(statusPath(slotDir, name), parseStatus);

/**
 * Removes a status file; missing is fine. Not fsynced: a crash that brings one back only repeats
 * a warning, which the next success clears again.
 */
export async function clearStatus(slotDir: string, name: string): Promise<void> {
  await unlink(statusPath(slotDir, name)).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/** The names (WAL names and `global`) that have an error file now; temp files and strays are skipped. */
export async function listStatusNames(slotDir: string): Promise<string[]> {
  const entries = await readdir(join(slotDir, STATUS_DIR));
  return entries
    .filter((entry) => entry.endsWith(ERROR_SUFFIX))
    .map((entry) => entry.slice(0, -ERROR_SUFFIX.length))
    .filter(isStatusName)
    .sort();
}
