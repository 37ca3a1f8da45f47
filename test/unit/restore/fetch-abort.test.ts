// issue 8 (D3): when our side of a fetch fails (a full disk), our error is the one reported; the
// remote, which fails only because we stopped it, says nothing ahead of it. Regression: pipeline
// destroyed the remote's stdout first, and the in-process get-wal printed "ERROR: The operation
// was aborted" before restore's ENOSPC line.
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { fetchToTemp } from '../../../src/restore/fetch.js';
import { localTransport } from '../../../src/transport/local.js';
import { requireWalName } from '../../../src/wal/name.js';

const wal = requireWalName('000000010000000000000030');
const call = { config: undefined, format: 'plain' as const, partial: false, serverName: 'pg' };

/** A stage standing in for the full disk: fails with ENOSPC after a few chunks. */
const failingAfter = (chunks: number): Transform => {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (++seen > chunks) callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      else callback(null, chunk);
    },
  });
};

describe('fetchToTemp when our write fails mid-transfer (local transport)', () => {
  it('rejects with our error, and the stopped server prints nothing on our stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walship-fetch-abort-'));
    const stderr = new PassThrough();
    let printed = '';
    stderr.setEncoding('utf8').on('data', (text: string) => (printed += text));
    // A get-wal that streams 64 MiB and reports its own failure the way walship-server's guard does.
    const transport = localTransport(stderr, {}, async () => async (_argv, io) => {
      const source = Readable.from((function* () { for (let i = 0; i < 1024; i++) yield Buffer.alloc(65536, i); })());
      try {
        await pipeline([source, io.stdout], { end: false });
        return 0;
      } catch (error) {
        io.stderr.write(`ERROR: ${(error as Error).message}\n`);
        return 2;
      }
    });
    await expect(fetchToTemp(transport, call, wal, join(dir, 'RECOVERYXLOG'), [failingAfter(4)])).rejects.toThrow(/ENOSPC/);
    expect(printed).toBe('');
    expect(await readdir(dir), 'no temp file survives').toEqual([]);
  });
});
