// issue 8 D1: a --batch record lets archive_command exit 0 without sending anything, so only a
// record walship itself could have written is believed; anything else is reported and removed.
import { chmod, chown, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readShippedRecord, writeShippedRecord } from '../../../src/archive/shipped-records.js';

const NAME = '000000010000000000000007';
const RECORD = { sha256: 'ab'.repeat(32), size: 16 * 1024 * 1024 };
const TEXT = `${RECORD.sha256} ${RECORD.size}\n`;
let dir = '';
const warnings: string[] = [];
const warn = (line: string): void => void warnings.push(line);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'walship-records-'));
  warnings.length = 0;
});

describe('shipped records', () => {
  it('reads back what it wrote, without a warning', async () => {
    await writeShippedRecord(dir, NAME, RECORD);
    expect(await readShippedRecord(dir, NAME, warn)).toEqual(RECORD);
    expect(warnings).toEqual([]);
  });

  it('has no record and no warning when there is none', async () => {
    expect(await readShippedRecord(dir, NAME, warn)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it.each([
    ['malformed', async (path: string) => writeFile(path, 'yes, shipped\n', { mode: 0o600 })],
    ['too long', async (path: string) => writeFile(path, `${TEXT}${'x'.repeat(200)}`, { mode: 0o600 })],
    ["another user's", async (path: string) => {
      await writeFile(path, TEXT, { mode: 0o644 });
      await chown(path, 65534, 65534);
    }],
    ['writable by others', async (path: string) => {
      await writeFile(path, TEXT);
      await chmod(path, 0o666);
    }],
    ['a symlink', async (path: string) => {
      await writeFile(join(dir, 'elsewhere'), TEXT, { mode: 0o600 });
      await symlink(join(dir, 'elsewhere'), path);
    }],
  ] as const)('ignores a record that is %s: one WARNING naming the segment, and the record is removed', async (_what, plant) => {
    await plant(join(dir, `${NAME}.shipped`));
    expect(await readShippedRecord(dir, NAME, warn)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^WARNING: ignoring --batch record .*${NAME}\\.shipped: .*; shipping ${NAME}$`));
    expect(await readdir(dir)).not.toContain(`${NAME}.shipped`);
  });
});
