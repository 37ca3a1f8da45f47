// Which cluster is recovering: pg_control's first 8 bytes, read relative to the working directory
// (PostgreSQL's cwd is the data directory), or a NOTE when there is no readable pg_control.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readClusterIdentity } from '../../../src/wal/cluster-identity.js';

const dataDir = async (control: Buffer | undefined): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'walship-identity-'));
  if (control === undefined) return dir;
  await mkdir(join(dir, 'global'));
  await writeFile(join(dir, 'global', 'pg_control'), control);
  return dir;
};

describe('readClusterIdentity', () => {
  it('reads the system identifier as a little-endian u64 from the first 8 bytes of global/pg_control', async () => {
    const control = Buffer.alloc(8192, 0xee);
    control.writeBigUInt64LE(7311234567890123456n, 0);
    const dir = await dataDir(control);
    expect(await readClusterIdentity(join(dir, 'global', 'pg_control'))).toEqual({ known: true, systemIdentifier: 7311234567890123456n });
  });

  it('without pg_control: unknown, with one NOTE line naming the absolute path and the reason', async () => {
    const dir = await dataDir(undefined);
    const identity = await readClusterIdentity(join(dir, 'global', 'pg_control'));
    expect(identity.known).toBe(false);
    expect(identity.known === false && identity.note).toMatch(new RegExp(`^NOTE: system identifier not checked: cannot read ${dir}/global/pg_control \\(ENOENT[^\\n]*$`));
  });

  it('a pg_control shorter than 8 bytes is unknown too', async () => {
    const dir = await dataDir(Buffer.alloc(5));
    const identity = await readClusterIdentity(join(dir, 'global', 'pg_control'));
    expect(identity.known === false && identity.note).toMatch(/it has only 5 bytes/);
  });
});
