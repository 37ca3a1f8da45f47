// issue 8 "keep what held up as permanent tests": put-wal (in-process, as walship-server runs it)
// on mutated valid streams of two 1 MiB segments. Either it exits 0 and incoming/ holds exactly the
// sent files with the sent bytes, or it exits non-zero with an ERROR line and incoming/ holds
// nothing at all: no file under a WAL name, no temp file.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listDir, makeArchive, runPutWal } from '../../fixtures/archive/server.js';
import { putWalStream } from '../../fixtures/archive/tar.js';
import { applyMutations, mutation } from '../../fixtures/archive/mutate.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';

const NAMES = ['000000010000000000000003', '000000010000000000000004'];
const SENT = NAMES.map((name): [string, Buffer] => [name, makeSegment(name, { size: MiB })]);
const STREAM = putWalStream(SENT);

describe('put-wal on mutated streams (fast-check, bounded)', () => {
  it('publishes all the sent files byte for byte, or exits non-zero with an ERROR line and leaves incoming/ empty', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(STREAM.length), { minLength: 1, maxLength: 3 }), async (mutations) => {
        const archive = makeArchive('walship-putwal-fuzz-');
        try {
          const r = await runPutWal(['pg'], applyMutations(STREAM, mutations), archive.configPath);
          if (r.status === 0) {
            expect(listDir(archive.incoming)).toEqual(NAMES);
            for (const [name, bytes] of SENT) expect(readFileSync(join(archive.incoming, name)).equals(bytes), name).toBe(true);
          } else {
            expect([1, 2, 3], r.stderr).toContain(r.status);
            expect(r.stderr).toMatch(/^ERROR: /);
            expect(r.stderr).not.toMatch(/TypeError|RangeError|ReferenceError|Cannot read prop/);
            expect(listDir(archive.incoming), r.stderr).toEqual([]);
          }
        } finally {
          rmSync(archive.dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 120, interruptAfterTimeLimit: 15_000, markInterruptAsFailure: false },
    );
  }, 60_000);
});
