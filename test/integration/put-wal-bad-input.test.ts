// issue 2 "Bad input", server side: bin/walship-server put-wal (and the bin/barman alias) refuse each
// hostile or broken stream with one clear ERROR line and Barman's status, and leave nothing behind:
// every stream starts with a complete, valid segment, so a forgotten temp file would show.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, linkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, describeRun, run, type RunResult } from '../helpers/run.js';
import { digest, END_OF_ARCHIVE, gnuTar, putWalStream, sumsText, ustarHeader, ustarMember } from '../fixtures/archive/tar.js';
import { listDir, makeArchive, SEGMENT, SEGMENT_2, type TestArchive } from '../fixtures/archive/server.js';
import { randomSegment } from '../fixtures/restore/segments.js';

/** A segment put-wal's header check accepts (issue 8), with a random body. */
const GOOD = randomSegment(SEGMENT, 1 << 20);
const OTHER = randomBytes(64 * 1024);
const goodMember = ustarMember(SEGMENT, GOOD);
const sums = (files: Array<[string, Buffer]>): Buffer => ustarMember('SHA256SUMS', sumsText('sha256', files));

/** Runs `walship-server -c CONFIG put-wal pg` with stream on stdin. */
const putWal = (archive: TestArchive, stream: Buffer, server = 'pg', bin = 'walship-server'): Promise<RunResult> =>
  run([binPath(bin), '-c', archive.configPath, 'put-wal', server], { input: stream });

/** The status, the exact stderr, and an incoming (and errors) directory with nothing in it. */
function expectRefused(r: RunResult, archive: TestArchive, status: number, stderr: string | RegExp): void {
  expect(r.code, describeRun(r)).toBe(status);
  if (typeof stderr === 'string') expect(r.stderr).toBe(stderr);
  else expect(r.stderr).toMatch(stderr);
  expect(r.stdout.length).toBe(0);
  expect(listDir(archive.incoming), 'incoming must be empty: no temp, no partial, no unverified file').toEqual([]);
  expect(listDir(archive.errors)).toEqual([]);
}

/** A directory GNU tar can archive from, holding the good segment. */
function tarDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'walship-badtar-'));
  writeFileSync(join(dir, SEGMENT), GOOD);
  return dir;
}

describe('put-wal refuses hostile tar members (exit 1, nothing stored)', () => {
  it('a member named ../<WAL>', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarMember(`../${SEGMENT_2}`, OTHER), sums([[SEGMENT, GOOD]]), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, `ERROR: member "../${SEGMENT_2}" refused: the name contains "/"\n`);
    expect(listDir(join(archive.dir, 'home', 'pg'))).not.toContain(SEGMENT_2);
  });

  it('a member named .. itself', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarMember('..', OTHER), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, 'ERROR: member ".." refused: the name is ".."\n');
  });

  it('a member with an absolute path (hand-made and GNU tar -P)', async () => {
    const archive = makeArchive();
    const target = `/tmp/walship-abs-${process.pid}/${SEGMENT_2}`;
    const stream = Buffer.concat([goodMember, ustarMember(target, OTHER), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, `ERROR: member "${target}" refused: the name is an absolute path\n`);
    expect(listDir(`/tmp/walship-abs-${process.pid}`)).toEqual([]);

    const dir = tarDir();
    writeFileSync(join(dir, SEGMENT_2), OTHER);
    const gnu = await gnuTar(['-cPf', '-', SEGMENT, join(dir, SEGMENT_2)], dir);
    expectRefused(await putWal(archive, gnu), archive, 1, `ERROR: member "${join(dir, SEGMENT_2)}" refused: the name is an absolute path\n`);
  });

  it('a symbolic link (GNU tar of a real symlink)', async () => {
    const archive = makeArchive();
    const dir = tarDir();
    symlinkSync('/etc/passwd', join(dir, SEGMENT_2));
    const stream = await gnuTar(['--format=pax', '-cf', '-', SEGMENT, SEGMENT_2], dir);
    expectRefused(await putWal(archive, stream), archive, 1,
      `ERROR: member "${SEGMENT_2}" is a symbolic link; only regular files are accepted\n`);
  });

  it('a hard link (GNU tar of two names of one inode)', async () => {
    const archive = makeArchive();
    const dir = tarDir();
    linkSync(join(dir, SEGMENT), join(dir, SEGMENT_2));
    const stream = await gnuTar(['-cf', '-', SEGMENT, SEGMENT_2], dir);
    expectRefused(await putWal(archive, stream), archive, 1, `ERROR: member "${SEGMENT_2}" is a hard link; only regular files are accepted\n`);
  });

  it('a character device (GNU tar of /dev/null under a WAL name)', async () => {
    const archive = makeArchive();
    const dir = tarDir();
    const stream = await gnuTar(['-cf', '-', SEGMENT, '-C', '/dev', `--transform=s,^null$,${SEGMENT_2},`, 'null'], dir);
    expectRefused(await putWal(archive, stream), archive, 1,
      `ERROR: member "${SEGMENT_2}" is a character device; only regular files are accepted\n`);
  });

  it('a directory member', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarMember(SEGMENT_2, Buffer.alloc(0), { type: '5' }), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, `ERROR: member "${SEGMENT_2}" is a directory; only regular files are accepted\n`);
  });

  it('an oversized size field (GNU base-256, 2^62 bytes) is refused from the header alone', async () => {
    const archive = makeArchive();
    const huge = Buffer.alloc(12);
    huge[0] = 0x80;
    huge.writeBigUInt64BE(1n << 62n, 4);
    const stream = Buffer.concat([goodMember, ustarHeader(SEGMENT_2, 0, { sizeField: huge }), OTHER]);
    expectRefused(await putWal(archive, stream), archive, 1,
      `ERROR: member "${SEGMENT_2}" is ${2 ** 62} bytes, over the limit of 1073741824\n`);
  });

  it('a size field just over 1 GiB (octal) is refused without reading the data', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarHeader(SEGMENT_2, 2 ** 30 + 1), OTHER]);
    expectRefused(await putWal(archive, stream), archive, 1, `ERROR: member "${SEGMENT_2}" is ${2 ** 30 + 1} bytes, over the limit of 1073741824\n`);
  });

  it('a member whose name is not a WAL file name exits 3', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarMember('postgresql.conf', OTHER), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 3, 'ERROR: tar member "postgresql.conf" is not a WAL file name\n');
  });

  it('garbage that is not a tar stream', async () => {
    const archive = makeArchive();
    expectRefused(await putWal(archive, randomBytes(4096)), archive, 1,
      'ERROR: tar header checksum mismatch: not a tar stream, or a corrupted one\n');
  });
});

describe('put-wal refuses broken streams (exit 1, no partial file)', () => {
  it('a stream truncated inside the segment data', async () => {
    const archive = makeArchive();
    const stream = putWalStream([[SEGMENT, GOOD]]).subarray(0, 512 + GOOD.length / 2);
    expectRefused(await putWal(archive, stream), archive, 1,
      `ERROR: tar stream truncated: input ended inside the data of "${SEGMENT}"\nHINT: the sender stopped early; it should retry\n`);
  });

  it('a stream truncated before the end-of-archive blocks', async () => {
    const archive = makeArchive();
    const full = putWalStream([[SEGMENT, GOOD]]);
    expectRefused(await putWal(archive, full.subarray(0, full.length - 1024)), archive, 1,
      'ERROR: tar stream truncated: input ended without the end-of-archive blocks\nHINT: the sender stopped early; it should retry\n');
  });

  it('an empty stream', async () => {
    const archive = makeArchive();
    expectRefused(await putWal(archive, Buffer.alloc(0)), archive, 1, /^ERROR: tar stream truncated: /);
  });

  it('a checksum mismatch (one flipped byte)', async () => {
    const archive = makeArchive();
    const corrupted = Buffer.from(GOOD);
    corrupted[1000] = (corrupted[1000] ?? 0) ^ 0xff;
    const stream = Buffer.concat([ustarMember(SEGMENT, corrupted), sums([[SEGMENT, GOOD]]), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1,
      `ERROR: checksum mismatch for ${SEGMENT}: SHA256SUMS says ${digest('sha256', GOOD)}, received bytes hash to ${digest('sha256', corrupted)}\n` +
        'HINT: the transfer was corrupted; the archive is unchanged and PostgreSQL will retry\n');
  });

  it('an MD5SUMS mismatch (pre-3.12 clients)', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarMember('MD5SUMS', sumsText('md5', [[SEGMENT, OTHER]])), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, new RegExp(`^ERROR: checksum mismatch for ${SEGMENT}: MD5SUMS says ${digest('md5', OTHER)}`));
  });

  it('a file without a checksum line', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarMember(SEGMENT_2, OTHER), sums([[SEGMENT, GOOD]]), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, `ERROR: WAL file ${SEGMENT_2} has no line in SHA256SUMS\n`);
  });

  it('a stream with no checksum member at all', async () => {
    const archive = makeArchive();
    expectRefused(await putWal(archive, Buffer.concat([goodMember, END_OF_ARCHIVE])), archive, 1,
      'ERROR: the stream has no SHA256SUMS or MD5SUMS member\nHINT: the client must send a checksum for every file (barman-wal-archive does)\n');
  });

  it('a checksum line without a file', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, sums([[SEGMENT, GOOD], [SEGMENT_2, OTHER]]), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, `ERROR: SHA256SUMS lists ${SEGMENT_2}, which is not in the stream\n`);
  });

  it('a malformed checksum line', async () => {
    const archive = makeArchive();
    const stream = Buffer.concat([goodMember, ustarMember('SHA256SUMS', Buffer.from('not a checksum line\n')), END_OF_ARCHIVE]);
    expectRefused(await putWal(archive, stream), archive, 1, /^ERROR: line 1 of SHA256SUMS is not "<64 hex digits> <name>"/);
  });
});

describe('put-wal refuses bad server names (exit 1, stdin never stored)', () => {
  it("an unknown server: ERROR: Unknown server 'X'", async () => {
    const archive = makeArchive();
    expectRefused(await putWal(archive, putWalStream([[SEGMENT, GOOD]]), 'nope'), archive, 1, "ERROR: Unknown server 'nope'\n");
  });

  for (const server of ["pg'x", 'pg x', 'pg;id', '$(id)', '..']) {
    it(`server name ${JSON.stringify(server)} (through the barman alias)`, async () => {
      const archive = makeArchive();
      const r = await putWal(archive, putWalStream([[SEGMENT, GOOD]]), server, 'barman');
      expectRefused(r, archive, 1,
        `ERROR: invalid server name ${JSON.stringify(server)}\nHINT: server names may contain only letters, digits, "-", "_" and "."\n`);
    });
  }
});

describe('after a refusal the archive still works', () => {
  it('the same server accepts the valid stream next, byte-identical', async () => {
    const archive = makeArchive();
    mkdirSync(archive.incoming, { recursive: true });
    expect((await putWal(archive, putWalStream([[SEGMENT, GOOD]]).subarray(0, 700))).code).toBe(1);
    const r = await putWal(archive, putWalStream([[SEGMENT, GOOD]]));
    expect(r.code, describeRun(r)).toBe(0);
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
  });
});
