// put-wal's system identifier record and segment checks (SPEC §7, issue 8), in-process against real
// files: what is recorded, when, and what a refusal leaves behind (nothing).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ForeignSegmentError } from '../../../src/errors.js';
import { recordIdentifier } from '../../../src/put-wal/identity-record.js';
import { putWal } from '../../../src/put-wal/put-wal.js';
import { putWalStream } from '../../fixtures/archive/tar.js';
import { leftovers, listDir, makeArchive, runPutWal, SEGMENT, SEGMENT_2 } from '../../fixtures/archive/server.js';
import { FIXTURE_SYSTEM_IDENTIFIER as A, MiB, randomSegment } from '../../fixtures/restore/segments.js';

const B = 42n;
const RECORD = 'walship-system-identifier';
const recordOf = (archive: ReturnType<typeof makeArchive>): string => join(archive.server.backupDirectory, RECORD);
const readRecord = (archive: ReturnType<typeof makeArchive>): string | undefined => {
  try {
    return readFileSync(recordOf(archive), 'utf8');
  } catch {
    return undefined;
  }
};

describe('the recorded system identifier', () => {
  it('is created from the first accepted segment, one decimal line, with no temp file left beside it', async () => {
    const archive = makeArchive();
    expect((await runPutWal(['pg'], putWalStream([[SEGMENT, randomSegment(SEGMENT)]]), archive.configPath)).status).toBe(0);
    expect(readRecord(archive)).toBe(`${A}\n`);
    expect(leftovers(archive.server.backupDirectory)).toEqual([]);
  });

  it('refuses a segment of another cluster: exit 1, ERROR with the WAL file, both identifiers and the server, HINT with the record path', async () => {
    const archive = makeArchive();
    await runPutWal(['pg'], putWalStream([[SEGMENT, randomSegment(SEGMENT)]]), archive.configPath);
    const r = await runPutWal(['pg'], putWalStream([[SEGMENT_2, randomSegment(SEGMENT_2, MiB, { systemIdentifier: B })]]), archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `ERROR: WAL file ${SEGMENT_2} refused for server 'pg': its system identifier ${B} is not ${A}, the cluster whose WAL this server's archive holds (${recordOf(archive)})\n` +
        `HINT: if server 'pg' now archives a new cluster (re-initialised, or a restore promoted as a new system), remove ${recordOf(archive)}; ` +
        'the next segment archived records the new identifier. Otherwise archive_command names the wrong server\n',
    );
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
    expect(leftovers(archive.incoming)).toEqual([]);
  });

  it('without a record, one stream\'s segments must agree: a mixed stream publishes and records nothing', async () => {
    const archive = makeArchive();
    const stream = putWalStream([[SEGMENT, randomSegment(SEGMENT)], [SEGMENT_2, randomSegment(SEGMENT_2, MiB, { systemIdentifier: B })]]);
    const r = await runPutWal(['pg'], stream, archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ERROR: WAL file ${SEGMENT_2} refused for server 'pg': system identifier ${B}, but ${SEGMENT} in the same upload has ${A}\\n`));
    expect(listDir(archive.incoming)).toEqual([]);
    expect(readRecord(archive)).toBeUndefined();
  });

  it('two concurrent first uploads of different clusters: exactly one is stored and recorded, the other publishes nothing', async () => {
    const archive = makeArchive();
    const upload = (id: bigint, name: string) =>
      putWal({ server: archive.server, input: Readable.from([putWalStream([[name, randomSegment(name, MiB, { systemIdentifier: id })]])]) }).then(
        () => 'stored',
        (error: unknown) => (error instanceof ForeignSegmentError ? 'refused' : error),
      );
    const results = await Promise.all([upload(A, SEGMENT), upload(B, SEGMENT_2)]);
    expect([...results].sort()).toEqual(['refused', 'stored']);
    const winner = results[0] === 'stored' ? { id: A, name: SEGMENT } : { id: B, name: SEGMENT_2 };
    expect(readRecord(archive)).toBe(`${winner.id}\n`);
    expect(listDir(archive.incoming)).toEqual([winner.name]);
  });

  it('recordIdentifier never replaces a record: the second caller reads back the first one', async () => {
    const archive = makeArchive();
    expect(await recordIdentifier(archive.server, B)).toBe(B);
    expect(await recordIdentifier(archive.server, A)).toBe(B);
    expect(readRecord(archive)).toBe(`${B}\n`);
  });

  it('a malformed record is an error naming it (never taken for "no record"), and nothing is published', async () => {
    const archive = makeArchive();
    await runPutWal(['pg'], putWalStream([[SEGMENT, randomSegment(SEGMENT)]]), archive.configPath);
    writeFileSync(recordOf(archive), 'not a number\n');
    const r = await runPutWal(['pg'], putWalStream([[SEGMENT_2, randomSegment(SEGMENT_2)]]), archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ERROR: ${recordOf(archive)} does not hold one decimal system identifier\\nHINT: `));
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
  });

  it.each(['off', 'no', 'false', '0'])('walship_check_system_identifier = %s: another cluster is accepted and nothing is recorded', async (value) => {
    const archive = makeArchive();
    writeFileSync(archive.configPath, `[barman]\nbarman_home = ${archive.dir}/home\n[pg]\nwalship_check_system_identifier = ${value}\n`);
    const stream = putWalStream([[SEGMENT, randomSegment(SEGMENT)], [SEGMENT_2, randomSegment(SEGMENT_2, MiB, { systemIdentifier: B })]]);
    expect((await runPutWal(['pg'], stream, archive.configPath)).status).toBe(0);
    expect(listDir(archive.incoming)).toEqual([SEGMENT, SEGMENT_2]);
    expect(readRecord(archive)).toBeUndefined();
  });

  it('walship_check_system_identifier with a non-boolean value is a configuration error', async () => {
    const archive = makeArchive();
    writeFileSync(archive.configPath, `[barman]\nbarman_home = ${archive.dir}/home\n[pg]\nwalship_check_system_identifier = maybe\n`);
    const r = await runPutWal(['pg'], putWalStream([[SEGMENT, randomSegment(SEGMENT)]]), archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: \[pg\] walship_check_system_identifier: 'maybe' is not a boolean/);
  });
});

describe('segment members are checked before anything is published', () => {
  it('a bzip2 member whose decoded data is truncated is refused (the decoded length is checked)', async () => {
    const archive = makeArchive();
    const half = randomSegment(SEGMENT).subarray(0, MiB / 2);
    const r = await runPutWal(['pg'], putWalStream([[SEGMENT, execFileSync('bzip2', ['-c'], { input: half })]]), archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ERROR: WAL file ${SEGMENT} refused for server 'pg': it is not the segment its name claims: file has 524288 bytes, header says segment size 1048576\\n`));
    expect(listDir(archive.incoming)).toEqual([]);
  });

  it('a corrupt gzip member is refused, not stored', async () => {
    const archive = makeArchive();
    const gz = (await import('node:zlib')).gzipSync(randomSegment(SEGMENT));
    gz.fill(0x55, 100, 1000);
    const r = await runPutWal(['pg'], putWalStream([[SEGMENT, gz]]), archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/its compressed data cannot be decoded/);
    expect(listDir(archive.incoming)).toEqual([]);
  });

  it('a 0-byte .partial is refused; history and .backup files are not checked', async () => {
    const archive = makeArchive();
    const r = await runPutWal(['pg'], putWalStream([[`${SEGMENT}.partial`, Buffer.alloc(0)]]), archive.configPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/it is empty \(0 bytes\)/);
    const ok = await runPutWal(['pg'], putWalStream([['00000002.history', Buffer.from('x\n')], [`${SEGMENT}.00000028.backup`, Buffer.from('y\n')]]), archive.configPath);
    expect(ok.status, ok.stderr).toBe(0);
    expect(readRecord(archive)).toBeUndefined();
  });
});
