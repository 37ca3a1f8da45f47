// put-wal's core (SPEC §4) in-process against real files: what is stored, and how duplicates settle.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { putWal } from '../../../src/put-wal/put-wal.js';
import { utcStamp } from '../../../src/put-wal/publish.js';
import { formatChecksumLines, type ChecksumAlgorithm } from '../../../src/wire/checksums.js';
import { packTar } from '../../../src/wire/tar-writer.js';
import { digest, gnuTar, putWalStream } from '../../fixtures/archive/tar.js';
import { leftovers, listDir, makeArchive, runPutWal, SEGMENT, SEGMENT_2, SEGMENT_3 } from '../../fixtures/archive/server.js';
import { randomSegment } from '../../fixtures/restore/segments.js';

const MiB = 1024 * 1024;
/** A valid segment header (put-wal checks it, issue 8) and a random body: two calls, two contents. */
const segment = (name = SEGMENT, size = MiB): Buffer => randomSegment(name, size);

/** A put-wal stream written by the project's own writer, the way walship-archive builds it. */
function packedStream(files: Array<[string, Buffer]>, algorithm: ChecksumAlgorithm = 'sha256'): Readable {
  const sums = Buffer.from(formatChecksumLines(files.map(([name, data]) => ({ name, hex: digest(algorithm, data) }))));
  const members = [
    ...files.map(([name, data]) => ({ name, size: data.length, mtime: 1_700_000_000.25, mode: 0o600, data })),
    { name: algorithm === 'sha256' ? 'SHA256SUMS' : 'MD5SUMS', size: sums.length, mtime: 1_700_000_000, data: sums },
  ];
  return packTar(members);
}

/** A put-wal stream written by GNU tar from real files and sha256sum/md5sum's own output. */
async function gnuTarStream(files: Array<[string, Buffer]>, format: 'pax' | 'gnu', algorithm: 'sha256' | 'md5'): Promise<Buffer> {
  const { dir } = makeArchive('walship-gnutar-');
  for (const [name, data] of files) writeFileSync(join(dir, name), data);
  const sumsFile = algorithm === 'sha256' ? 'SHA256SUMS' : 'MD5SUMS';
  const sums = execFileSync(`${algorithm}sum`, ['--binary', ...files.map(([name]) => name)], { cwd: dir });
  writeFileSync(join(dir, sumsFile), sums);
  return gnuTar([`--format=${format}`, '-cf', '-', ...files.map(([name]) => name), sumsFile], dir);
}

const read = (path: string): Buffer => readFileSync(path);

describe('put-wal stores what it receives', () => {
  it('a segment packed by walship\'s tar writer is stored byte-identical in incoming, nothing else is left', async () => {
    const archive = makeArchive();
    const wal = segment(SEGMENT, 16 * MiB);
    const outcomes = await putWal({ server: archive.server, input: packedStream([[SEGMENT, wal]]) });
    expect(outcomes).toEqual([{ name: SEGMENT, result: 'stored', path: join(archive.incoming, SEGMENT) }]);
    expect(read(join(archive.incoming, SEGMENT)).equals(wal)).toBe(true);
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
    expect(listDir(archive.errors)).toEqual([]);
  });

  for (const [format, algorithm] of [['pax', 'sha256'], ['gnu', 'md5'], ['gnu', 'sha256'], ['pax', 'md5']] as const) {
    it(`a segment sent by GNU tar (${format} format) with ${algorithm}sum's checksum file is stored byte-identical`, async () => {
      const archive = makeArchive();
      const wal = segment();
      const result = await runPutWal(['pg'], await gnuTarStream([[SEGMENT, wal]], format, algorithm), archive.configPath);
      expect(result, result.stderr).toEqual({ status: 0, stdout: '', stderr: '' });
      expect(read(join(archive.incoming, SEGMENT)).equals(wal)).toBe(true);
      expect(listDir(archive.incoming)).toEqual([SEGMENT]);
    });
  }

  it('several segments (and a history file) in one stream are all published', async () => {
    const archive = makeArchive();
    const files: Array<[string, Buffer]> = [
      [SEGMENT, segment()],
      [SEGMENT_2, segment(SEGMENT_2)],
      [SEGMENT_3, segment(SEGMENT_3)],
      ['00000002.history', Buffer.from('1\t0/5000000\tno recovery target specified\n')],
    ];
    const result = await runPutWal(['pg'], await gnuTarStream(files, 'pax', 'sha256'), archive.configPath);
    expect(result.status, result.stderr).toBe(0);
    for (const [name, data] of files) expect(read(join(archive.incoming, name)).equals(data), name).toBe(true);
    expect(listDir(archive.incoming)).toEqual(files.map(([name]) => name).sort());
  });

  it('a hand-made ustar stream with text-mode checksum lines is accepted too', async () => {
    const archive = makeArchive();
    const wal = segment();
    const result = await runPutWal(['pg'], putWalStream([[SEGMENT, wal]]), archive.configPath);
    expect(result.status, result.stderr).toBe(0);
    expect(read(join(archive.incoming, SEGMENT)).equals(wal)).toBe(true);
  });

  it("the stored file keeps the member's mtime, as Barman's put-wal does (its archiver records it in xlog.db)", async () => {
    const archive = makeArchive();
    // packedStream sends mtime 1700000000.25 in a pax record; GNU tar sends the file's own mtime.
    await putWal({ server: archive.server, input: packedStream([[SEGMENT, segment()]]) });
    expect(statSync(join(archive.incoming, SEGMENT)).mtimeMs).toBe(1_700_000_000_250);

    const { dir } = makeArchive('walship-gnutar-');
    writeFileSync(join(dir, SEGMENT_2), segment(SEGMENT_2));
    execFileSync('touch', ['-d', '2021-02-03 04:05:06 UTC', join(dir, SEGMENT_2)]);
    writeFileSync(join(dir, 'SHA256SUMS'), execFileSync('sha256sum', [SEGMENT_2], { cwd: dir }));
    const stream = await gnuTar(['-cf', '-', SEGMENT_2, 'SHA256SUMS'], dir);
    expect((await runPutWal(['pg'], stream, archive.configPath)).status).toBe(0);
    expect(statSync(join(archive.incoming, SEGMENT_2)).mtime.toISOString()).toBe('2021-02-03T04:05:06.000Z');
  });

  it('a gzip-compressed member is stored as sent (compressed) under the plain WAL name', async () => {
    const archive = makeArchive();
    const packed = gzipSync(segment());
    const result = await runPutWal(['pg'], putWalStream([[SEGMENT, packed]]), archive.configPath);
    expect(result.status, result.stderr).toBe(0);
    expect(read(join(archive.incoming, SEGMENT)).equals(packed)).toBe(true);
  });

  it('--test prints the ready line on stdout and reads nothing', async () => {
    const archive = makeArchive();
    const result = await runPutWal(['--test', 'pg'], Buffer.alloc(0), archive.configPath);
    expect(result).toEqual({ status: 0, stdout: 'Ready to accept WAL files for the server pg\n', stderr: '' });
    expect(listDir(archive.incoming)).toEqual([]);
  });

  it('an inactive server (active = off) refuses WAL files with exit 1 and stores nothing', async () => {
    const archive = makeArchive();
    writeFileSync(archive.configPath, `[barman]\nbarman_home = ${archive.dir}/home\n[pg]\nactive = off\n`);
    const result = await runPutWal(['pg'], putWalStream([[SEGMENT, segment()]]), archive.configPath);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: server 'pg' is not active/);
    expect(listDir(archive.incoming)).toEqual([]);
  });
});

describe('duplicates settle as Barman 3.13+ does', () => {
  it('an identical re-send exits 0, says so on stderr, and adds nothing to errors/', async () => {
    const archive = makeArchive();
    const wal = segment();
    expect((await runPutWal(['pg'], putWalStream([[SEGMENT, wal]]), archive.configPath)).status).toBe(0);
    const before = statSync(join(archive.incoming, SEGMENT));
    const again = await runPutWal(['pg'], putWalStream([[SEGMENT, wal]]), archive.configPath);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe(
      `WAL file ${SEGMENT} is already archived with identical content (${join(archive.incoming, SEGMENT)}); nothing to do\n`,
    );
    expect(again.stderr).not.toContain('ERROR');
    expect(listDir(archive.errors)).toEqual([]);
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
    expect(statSync(join(archive.incoming, SEGMENT)).ino).toBe(before.ino);
  });

  it('different content exits 0 and keeps the new bytes in errors/<name>.<UTC %Y%m%dT%H%M%SZ>.duplicate, original untouched', async () => {
    const archive = makeArchive();
    const original = segment();
    const other = segment();
    expect((await runPutWal(['pg'], putWalStream([[SEGMENT, original]]), archive.configPath)).status).toBe(0);
    const started = new Date();
    const result = await runPutWal(['pg'], putWalStream([[SEGMENT, other]]), archive.configPath);
    const finished = new Date();
    expect(result.status).toBe(0);
    const kept = listDir(archive.errors);
    expect(kept).toHaveLength(1);
    const match = /^000000010000000000000003\.(\d{8}T\d{6}Z)\.duplicate$/.exec(kept[0] ?? '');
    expect(match, kept[0]).not.toBeNull();
    // The stamp is UTC and lies between the start and the end of the call (to the second).
    const stamp = match?.[1] ?? '';
    expect([utcStamp(started), utcStamp(finished)]).toContain(stamp);
    expect(read(join(archive.errors, kept[0] ?? '')).equals(other)).toBe(true);
    expect(read(join(archive.incoming, SEGMENT)).equals(original)).toBe(true);
    expect(result.stderr).toBe(
      `WARNING: WAL file ${SEGMENT} is already archived with DIFFERENT content (${join(archive.incoming, SEGMENT)}); ` +
        `the new bytes were kept in ${join(archive.errors, kept[0] ?? '')}\n`,
    );
    expect(leftovers(archive.incoming)).toEqual([]);
  });

  it('the duplicate stamp is the call\'s UTC time as %Y%m%dT%H%M%SZ, and a same-second clash gets a counter', async () => {
    const archive = makeArchive();
    await putWal({ server: archive.server, input: packedStream([[SEGMENT, segment()]]) });
    // 23:59:58 UTC on 31 Dec: any local-time formatting would show another day or hour.
    const now = (): Date => new Date(Date.UTC(2024, 11, 31, 23, 59, 58, 999));
    const first = segment();
    const second = segment();
    await putWal({ server: archive.server, input: packedStream([[SEGMENT, first]]), now });
    await putWal({ server: archive.server, input: packedStream([[SEGMENT, second]]), now });
    expect(listDir(archive.errors)).toEqual([
      `${SEGMENT}.20241231T235958Z.1.duplicate`,
      `${SEGMENT}.20241231T235958Z.duplicate`,
    ]);
    expect(read(join(archive.errors, `${SEGMENT}.20241231T235958Z.duplicate`)).equals(first)).toBe(true);
    expect(read(join(archive.errors, `${SEGMENT}.20241231T235958Z.1.duplicate`)).equals(second)).toBe(true);
  });

  it('a gzip copy of an archived plain segment is an identical duplicate, and the other way round', async () => {
    const plainFirst = makeArchive();
    const wal = segment();
    expect((await runPutWal(['pg'], putWalStream([[SEGMENT, wal]]), plainFirst.configPath)).status).toBe(0);
    const compressed = await runPutWal(['pg'], putWalStream([[SEGMENT, gzipSync(wal)]]), plainFirst.configPath);
    expect(compressed.status).toBe(0);
    expect(compressed.stderr).toContain('identical content');
    expect(listDir(plainFirst.errors)).toEqual([]);
    expect(read(join(plainFirst.incoming, SEGMENT)).equals(wal)).toBe(true);

    const gzipFirst = makeArchive();
    expect((await runPutWal(['pg'], putWalStream([[SEGMENT, gzipSync(wal, { level: 1 })]]), gzipFirst.configPath)).status).toBe(0);
    const plain = await runPutWal(['pg'], putWalStream([[SEGMENT, wal]]), gzipFirst.configPath);
    expect(plain.status).toBe(0);
    expect(plain.stderr).toContain('identical content');
    expect(listDir(gzipFirst.errors)).toEqual([]);
  });

  it('a bzip2 copy compared with a gzip copy of the same WAL is identical; of another WAL, a duplicate', async () => {
    const archive = makeArchive();
    const wal = segment();
    const bzip2 = (data: Buffer): Buffer => execFileSync('bzip2', ['-c'], { input: data, maxBuffer: 64 * MiB });
    expect((await runPutWal(['pg'], putWalStream([[SEGMENT, bzip2(wal)]]), archive.configPath)).status).toBe(0);
    const same = await runPutWal(['pg'], putWalStream([[SEGMENT, gzipSync(wal)]]), archive.configPath);
    expect(same.stderr).toContain('identical content');
    const other = await runPutWal(['pg'], putWalStream([[SEGMENT, gzipSync(segment())]]), archive.configPath);
    expect(other.status).toBe(0);
    expect(other.stderr).toContain('DIFFERENT content');
    expect(listDir(archive.errors)).toHaveLength(1);
  });

  it('a segment already moved to wals/<first 16 chars>/<name> by the archiver is a duplicate too (identical and different)', async () => {
    const archive = makeArchive();
    const wal = segment();
    const hashDir = join(archive.wals, SEGMENT.slice(0, 16));
    mkdirSync(hashDir, { recursive: true });
    // Barman's archiver keeps it compressed there when `compression = gzip`.
    writeFileSync(join(hashDir, SEGMENT), gzipSync(wal));

    const identical = await runPutWal(['pg'], putWalStream([[SEGMENT, wal]]), archive.configPath);
    expect(identical.status).toBe(0);
    expect(identical.stderr).toBe(
      `WAL file ${SEGMENT} is already archived with identical content (${join(hashDir, SEGMENT)}); nothing to do\n`,
    );
    expect(listDir(archive.incoming)).toEqual([]);

    const other = segment();
    const different = await runPutWal(['pg'], putWalStream([[SEGMENT, other]]), archive.configPath);
    expect(different.status).toBe(0);
    expect(different.stderr).toContain(`DIFFERENT content (${join(hashDir, SEGMENT)})`);
    expect(listDir(archive.incoming)).toEqual([]);
    const kept = listDir(archive.errors);
    expect(kept).toHaveLength(1);
    expect(read(join(archive.errors, kept[0] ?? '')).equals(other)).toBe(true);
  });

  it('a history file already in wals/<name> (no hash dir) is a duplicate', async () => {
    const archive = makeArchive();
    const history = Buffer.from('1\t0/3000000\tno recovery target specified\n');
    mkdirSync(archive.wals, { recursive: true });
    writeFileSync(join(archive.wals, '00000002.history'), history);
    const result = await runPutWal(['pg'], putWalStream([['00000002.history', history]]), archive.configPath);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('identical content');
    expect(listDir(archive.incoming)).toEqual([]);
  });

  it('in a multi-segment stream, a duplicate does not stop the others from being stored', async () => {
    const archive = makeArchive();
    const a = segment();
    const b = segment(SEGMENT_2);
    expect((await runPutWal(['pg'], putWalStream([[SEGMENT, a]]), archive.configPath)).status).toBe(0);
    const result = await runPutWal(['pg'], putWalStream([[SEGMENT, a], [SEGMENT_2, b]]), archive.configPath);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`WAL file ${SEGMENT} is already archived with identical content`);
    expect(read(join(archive.incoming, SEGMENT_2)).equals(b)).toBe(true);
    expect(listDir(archive.incoming)).toEqual([SEGMENT, SEGMENT_2]);
  });
});
