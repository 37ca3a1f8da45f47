// archive/shipped/<name>: "v1 <sha256> <size> <target-hash>\n", written by Node only after the
// archive host answered 0. It outlives fences, so a restarted agent re-acks a segment whose bytes
// still hash the same instead of shipping it again (design §2, re-arm step 3).

import { join } from 'node:path';
import { writeFileDurably } from '../durable/durable-write.js';
import { isEntryName, SHIPPED_DIR } from './layout.js';
import { readStateFile, type StoredRead } from './stored-read.js';

export interface ShippedRecord {
  /** sha256 of the plain segment bytes, lower-case hex. */
  readonly sha256: string;
  readonly size: number;
  /** targetHash() of the destination that holds the copy. */
  readonly targetHash: string;
}

const HEX64 = '[0-9a-f]{64}';
const RECORD_RE = new RegExp(`^v1 (${HEX64}) (0|[1-9][0-9]{0,15}) (${HEX64})\\n$`);
const HEX64_RE = new RegExp(`^${HEX64}$`);

export function formatShippedRecord(record: ShippedRecord): string {
  if (!HEX64_RE.test(record.sha256) || !HEX64_RE.test(record.targetHash)) throw new RangeError('sha256 and target-hash must be 64 lower-case hex');
  if (!Number.isSafeInteger(record.size) || record.size < 0) throw new RangeError(`size ${record.size} is not a byte count`);
  return `v1 ${record.sha256} ${record.size} ${record.targetHash}\n`;
}

/** Strict: exactly one line of the v1 format. A bad record is ignored, which means re-verify or re-ship. */
export function parseShippedRecord(text: string): ShippedRecord | undefined {
  const match = RECORD_RE.exec(text);
  if (match === null) return undefined;
  const size = Number(match[2]);
  if (!Number.isSafeInteger(size)) return undefined;
  return { sha256: match[1] as string, size, targetHash: match[3] as string };
}

export function shippedPath(slotDir: string, name: string): string {
  if (!isEntryName(name)) throw new RangeError(`${JSON.stringify(name)} is not a WAL file name`);
  return join(slotDir, SHIPPED_DIR, name);
}

/** fsync the file, then the directory: the ack that follows must never outlive its record. */
export async function writeShippedRecord(slotDir: string, name: string, record: ShippedRecord): Promise<void> {
  await writeFileDurably(shippedPath(slotDir, name), Buffer.from(formatShippedRecord(record)), { mode: 0o600 });
}

export const readShippedRecord = (slotDir: string, name: string): Promise<StoredRead<ShippedRecord>> =>
  readStateFile(shippedPath(slotDir, name), parseShippedRecord);
