// barman-cli 3.14+'s compression flags on walship-archive: --xz, --zstd and --lz4 store what the
// reference programs accept (xz -t, zstd -t, lz4 -t) under the plain WAL name, and get-wal and
// walship-restore give the original bytes back; --snappy and bad levels are usage errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveMain } from '../../../src/archive/cli.js';
import { findProgram } from '../../../src/codec/codecs.js';
import { restoreMain } from '../../../src/restore/cli.js';
import { makeArchive, SEGMENT } from '../../fixtures/archive/server.js';
import { makeSegment } from '../../fixtures/restore/segments.js';
import { runInProcess } from '../../helpers/in-process.js';

const walFile = (data: Buffer): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'walship-cflags-')), SEGMENT);
  writeFileSync(path, data);
  return path;
};

describe.each(['xz', 'zstd', 'lz4'])('walship-archive --%s', (kind) => {
  it.skipIf(findProgram(kind) === undefined)(`stores ${kind} that ${kind} -t accepts, and walship-restore returns the original`, async () => {
    const archive = makeArchive();
    const data = makeSegment(SEGMENT, { size: 1 << 20 });
    const r = await runInProcess(archiveMain, ['--transport', 'local', `--${kind}`, '--compression-level', 'low', '-c', archive.configPath, 'h', 'pg', walFile(data)]);
    expect(r.status, r.stderr).toBe(0);
    const stored = join(archive.incoming, SEGMENT);
    execFileSync(kind, ['-t', '-q', stored]);
    expect(readFileSync(stored).equals(data)).toBe(false);
    const dest = join(mkdtempSync(join(tmpdir(), 'walship-cflags-dest-')), 'RECOVERYXLOG');
    const back = await runInProcess(restoreMain, ['--transport', 'local', '-c', archive.configPath, 'h', 'pg', SEGMENT, dest]);
    expect(back.status, back.stderr).toBe(0);
    expect(readFileSync(dest).equals(data)).toBe(true);
  });
});

describe('walship-archive compression flag errors (usage, exit 2)', () => {
  const data = makeSegment(SEGMENT, { size: 1 << 20 });
  it.each([
    [['--snappy'], /--snappy is not supported by walship/],
    [['--xz', '--zstd'], /--xz and --zstd cannot be combined/],
    [['--zstd', '--compression-level', '20'], /--compression-level 20 is not valid for zstd: expected 1 to 19, low, medium or high/],
    [['-z', '--compression-level', 'fastest'], /not valid for gzip/],
  ])('%j', async (flags, message) => {
    const r = await runInProcess(archiveMain, [...flags, 'h', 'pg', walFile(data)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('HINT: see walship-archive --help');
  });
});
