// A data directory for agent unit tests: pg_wal with real-looking segments (a valid long page
// header for their name), archive_status markers and an armed archive slot.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSlot, type Slot } from '../../../../src/agent/slot.js';
import { requireWalName, segmentStartLsn } from '../../../../src/wal/name.js';

export const SEG_SIZE = 1 << 20;
export const SYSID = 7_000_000_000_000_000_001n;

/** A 1 MiB segment whose long header matches `name`; `fill` varies the payload. */
export function segmentBytes(name: string, fill = 0x5a, sysid = SYSID): Buffer {
  const bytes = Buffer.alloc(SEG_SIZE, fill);
  const wal = requireWalName(name);
  bytes.writeUInt16LE(0xd10d, 0);
  bytes.writeUInt16LE(0x0002, 2);
  bytes.writeUInt32LE(wal.timeline, 4);
  bytes.writeBigUInt64LE(segmentStartLsn(wal, SEG_SIZE), 8);
  bytes.writeUInt32LE(0, 16);
  bytes.writeUInt32LE(0, 20);
  bytes.writeBigUInt64LE(sysid, 24);
  bytes.writeUInt32LE(SEG_SIZE, 32);
  bytes.writeUInt32LE(8192, 36);
  return bytes;
}

export async function makeDataDir(): Promise<{ dataDir: string; slot: Slot }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'walship-agent-'));
  await mkdir(join(dataDir, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
  const slot = (await openSlot(dataDir, 'archive', { create: true })) as Slot;
  return { dataDir, slot };
}

/** pg_wal/<name> with `bytes` and its .ready marker. */
export async function addReady(dataDir: string, name: string, bytes: Buffer = segmentBytes(name)): Promise<void> {
  await writeFile(join(dataDir, 'pg_wal', name), bytes);
  await writeFile(join(dataDir, 'pg_wal', 'archive_status', `${name}.ready`), '');
}
