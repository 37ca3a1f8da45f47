// The FENCE: which postmaster incarnation a slot's acks and spool belong to (design §1). Read the
// same way by every Node path and both agents; the sh fast paths read the same two lines.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { PM_FILE, POSTMASTER_PID_FILE } from './layout.js';

export interface Fence {
  /** Postmaster pid, line 1 of postmaster.pid. */
  readonly pid: number;
  /** Postmaster start time in Unix seconds, line 3 of postmaster.pid. */
  readonly startEpoch: number;
  /** "<pid> <start>", exactly what the slot's `pm` holds and what sh compares. */
  readonly text: string;
}

const PID_RE = /^[1-9][0-9]{0,9}$/;
const EPOCH_RE = /^(0|[1-9][0-9]{0,15})$/;

const fenceOf = (pidText: string, startText: string): Fence | undefined =>
  PID_RE.test(pidText) && EPOCH_RE.test(startText)
    ? { pid: Number(pidText), startEpoch: Number(startText), text: `${pidText} ${startText}` }
    : undefined;

/**
 * Lines 1 and 3 of a postmaster.pid. Strict: a single-user backend writes a negative pid, a file
 * being written may be short, and any odd spelling (spaces, signs) is "no fence", which only
 * turns the fast path and the agent off. sh's `read -r` would strip spaces that we refuse: that
 * can only make the two sides disagree towards a miss.
 */
export function parsePostmasterPid(text: string): Fence | undefined {
  const lines = text.split('\n');
  if (lines.length < 4) return undefined; // lines 1–3 each need their newline
  return fenceOf(lines[0] as string, lines[2] as string);
}

/** The content of a slot's `pm` file: one line "<pid> <start>\n". */
export function parsePmFile(text: string): Fence | undefined {
  const match = /^([^ \n]+) ([^ \n]+)\n$/.exec(text);
  return match === null ? undefined : fenceOf(match[1] as string, match[2] as string);
}

export const formatPmFile = (fence: Fence): string => `${fence.text}\n`;

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** The running cluster's fence, from `<dataDir>/postmaster.pid`; undefined when absent or malformed. */
export async function readFence(dataDir: string): Promise<Fence | undefined> {
  const text = await readIfExists(join(dataDir, POSTMASTER_PID_FILE));
  return text === undefined ? undefined : parsePostmasterPid(text);
}

/** The fence a slot was armed for (its `pm` file); undefined when absent or malformed. */
export async function readSlotFence(slotDir: string): Promise<Fence | undefined> {
  const text = await readIfExists(join(slotDir, PM_FILE));
  return text === undefined ? undefined : parsePmFile(text);
}

export const sameFence = (a: Fence | undefined, b: Fence | undefined): boolean =>
  a !== undefined && b !== undefined && a.text === b.text;
