// A full disk under a durable write: a short write(2) must not pass as success, and the error is ENOSPC,
// not the AbortError Node's pipeline reports with a stage in between (nodejs/node#62089).
// Needs root to mount a small tmpfs.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeFileDurably } from '../../src/durable/durable-write.js';
import { requireIntegration } from '../helpers/requirements.js';
import { describeRun, run } from '../helpers/run.js';

describe('durable writes on a full disk', () => {
  it('a chunk larger than the free space fails with ENOSPC, never a silent short write, and leaves nothing behind', async () => {
    requireIntegration(['root']);
    const mountPoint = mkdtempSync(join(tmpdir(), 'walship-enospc-'));
    const mount = await run(['mount', '-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
    expect(mount.code, describeRun(mount)).toBe(0);
    try {
      const data = Buffer.alloc(4 << 20, 7);
      await expect(writeFileDurably(join(mountPoint, 'segment'), data, { stages: [new PassThrough()] })).rejects.toThrow(/ENOSPC/);
      expect(readdirSync(mountPoint)).toEqual([]);
    } finally {
      await run(['umount', mountPoint]);
    }
  });
});
