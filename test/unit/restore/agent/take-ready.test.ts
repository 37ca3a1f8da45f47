// A Node call takes ready/<name> only when the claimed file passes every check on its descriptor;
// anything else is removed with one WARNING and never reaches %p (issue 9: never trust a foreign file).
import { access, chmod, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeReady } from '../../../../src/restore/agent/take-ready.js';
import { requireWalName } from '../../../../src/wal/name.js';
import { makeSegment, MiB } from '../../../fixtures/restore/segments.js';
import { makeDataDir, SYSID } from './data-dir.js';

const N = '000000010000000000000006';
const wal = requireWalName(N);

async function planted(bytes: Buffer, mode = 0o600) {
  const { dataDir, slot } = await makeDataDir();
  const path = join(slot.dir, 'ready', N);
  await writeFile(path, bytes, { mode });
  await chmod(path, mode);
  const dest = join(dataDir, 'pg_wal', 'RECOVERYXLOG');
  const warnings: string[] = [];
  const took = await takeReady(slot, wal, dest, SYSID, (line) => warnings.push(line));
  const delivered = await access(dest).then(() => true, () => false);
  return { took, delivered, warnings, dest, slot };
}

describe('takeReady', () => {
  it('moves a valid segment onto %p and leaves nothing in ready/ or tmp/', async () => {
    const bytes = makeSegment(N, { size: MiB });
    const { took, dest, warnings, slot } = await planted(bytes);
    expect(took).toBe(true);
    expect((await readFile(dest)).equals(bytes)).toBe(true);
    expect(warnings).toEqual([]);
    expect([...(await readdir(join(slot.dir, 'ready'))), ...(await readdir(join(slot.dir, 'tmp')))]).toEqual([]);
  });

  for (const [what, bytes, mode, reason] of [
    ['another cluster (system identifier)', makeSegment(N, { size: MiB, systemIdentifier: 5n }), 0o600, /system identifier 5/],
    ['another segment under this name (header)', makeSegment('000000010000000000000009', { size: MiB }), 0o600, /page address/],
    ['a truncated file', makeSegment(N, { size: MiB }).subarray(0, 4096), 0o600, /bytes/],
    ['a file others may read (mode)', makeSegment(N, { size: MiB }), 0o644, /mode 644/],
  ] as const) {
    it(`refuses ${what}: WARNING, removed, %p untouched`, async () => {
      const { took, delivered, warnings, slot } = await planted(Buffer.from(bytes), mode);
      expect(took).toBe(false);
      expect(delivered).toBe(false);
      expect(warnings).toEqual([expect.stringMatching(reason)]);
      expect(warnings[0]).toMatch(/^WARNING: async restore: discarded ready\/000000010000000000000006: /);
      expect(await readdir(join(slot.dir, 'ready'))).toEqual([]);
    });
  }

  it('refuses a symlink planted in ready/', async () => {
    const { dataDir, slot } = await makeDataDir();
    const target = join(dataDir, 'elsewhere');
    await writeFile(target, makeSegment(N, { size: MiB }), { mode: 0o600 });
    await symlink(target, join(slot.dir, 'ready', N));
    const warnings: string[] = [];
    expect(await takeReady(slot, wal, join(dataDir, 'pg_wal', 'RECOVERYXLOG'), SYSID, (line) => warnings.push(line))).toBe(false);
    expect(warnings[0]).toMatch(/symbolic link/);
  });

  it('without a readable pg_control nothing is taken', async () => {
    const { dataDir, slot } = await makeDataDir();
    await writeFile(join(slot.dir, 'ready', N), makeSegment(N, { size: MiB }), { mode: 0o600 });
    expect(await takeReady(slot, wal, join(dataDir, 'pg_wal', 'RECOVERYXLOG'), undefined, () => undefined)).toBe(false);
  });

  it('a missing ready/<name> is a plain miss, without a warning', async () => {
    const { dataDir, slot } = await makeDataDir();
    const warnings: string[] = [];
    expect(await takeReady(slot, wal, join(dataDir, 'pg_wal', 'RECOVERYXLOG'), SYSID, (line) => warnings.push(line))).toBe(false);
    expect(warnings).toEqual([]);
  });
});
