// A fake data directory for the restore agent's unit tests: pg_wal (0700), global/pg_control
// carrying a system identifier, and a postmaster.pid naming this test process as the postmaster.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSlot, type Slot } from '../../../../src/agent/slot.js';

export const SYSID = 7311234567890123456n; // makeSegment's default identifier

export async function makeDataDir(sysid = SYSID): Promise<{ dataDir: string; slot: Slot }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'walship-restagent-'));
  await mkdir(join(dataDir, 'pg_wal'), { mode: 0o700 });
  await mkdir(join(dataDir, 'global'));
  const control = Buffer.alloc(296);
  control.writeBigUInt64LE(sysid, 0);
  await writeFile(join(dataDir, 'global', 'pg_control'), control);
  await writeFile(join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n${Math.floor(Date.now() / 1000)}\n5432\n`);
  await writeFile(join(dataDir, 'standby.signal'), '');
  const slot = await openSlot(dataDir, 'restore', { create: true });
  return { dataDir, slot: slot! };
}
