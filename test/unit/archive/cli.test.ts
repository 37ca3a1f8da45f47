// walship-archive's process edge: the exit table, local errors, and the whole client over the
// local transport and over a stand-in `ssh` whose "remote" is a real shell running bin/barman.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { archiveWal } from '../../../src/archive/archive.js';
import { ARCHIVE_EXIT, archiveMain } from '../../../src/archive/cli.js';
import { exitStatusFor } from '../../../src/cli/exit-table.js';
import {
  CompressionError, InvalidServerNameError, InvalidWalNameError, LocalFileError, ObjectStoreError, RemoteCommandError, SshConnectError, TarFormatError, UsageError,
} from '../../../src/errors.js';
import { localTransport } from '../../../src/transport/local.js';
import { leftovers, listDir, makeArchive, SEGMENT } from '../../fixtures/archive/server.js';
import { makeSegment, randomSegment } from '../../fixtures/restore/segments.js';
import { runInProcess, type Captured } from '../../helpers/in-process.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const FAKE_SSH_DIR = `${repoRoot}/test/fixtures/archive/bin`;

describe('ARCHIVE_EXIT (SPEC §1): 0 ok, 2 local error, 3 ssh failure, else the remote status', () => {
  const rows: Array<[string, unknown, number]> = [
    ['ssh itself failed (exit 255)', new SshConnectError('cannot reach'), 3],
    ['the remote answered 1', new RemoteCommandError('failed', 1), 1],
    ['the remote answered 2 (usage)', new RemoteCommandError('failed', 2), 2],
    ['the remote answered 3 (invalid WAL name)', new RemoteCommandError('failed', 3), 3],
    ['the remote answered 4', new RemoteCommandError('failed', 4), 4],
    ['a usage error', new UsageError('bad flag'), 2],
    ['WAL_PATH missing, a directory or unreadable', new LocalFileError('WAL_PATH x does not exist'), 2],
    ['WAL_PATH not named like a WAL file', new InvalidWalNameError('bad name'), 2],
    ['an invalid server name', new InvalidServerNameError('bad server'), 2],
    ['a compressor failure', new CompressionError('bzip2 failed'), 2],
    ['the file changed size while being sent', new TarFormatError('TAR_SIZE_MISMATCH', 'changed'), 2],
    ['s3://: the store never answered (as ssh failing)', new ObjectStoreError('no answer', undefined, undefined), 3],
    ['s3://: the store refused (403, 503 after the retries)', new ObjectStoreError('refused', 503, 'SlowDown'), 2],
    ['an unexpected exception', new Error('EIO'), 2],
  ];
  for (const [what, error, status] of rows) it(`${what} exits ${status}`, () => expect(exitStatusFor(ARCHIVE_EXIT, error)).toBe(status));
});

/** archiveMain in-process (what bin/walship-archive runs), with its output captured. */
const archiveInProcess = (argv: string[]): Promise<Captured> => runInProcess(archiveMain, argv);

function walFile(data: Buffer = randomSegment(SEGMENT), name = SEGMENT): string {
  const dir = mkdtempSync(join(tmpdir(), 'walship-pgwal-'));
  writeFileSync(join(dir, name), data);
  return join(dir, name);
}

describe('walship-archive --transport local', () => {
  it('archives a segment: exit 0, nothing printed, byte-identical in incoming', async () => {
    const archive = makeArchive();
    const data = randomSegment(SEGMENT, 16 << 20);
    const r = await archiveInProcess(['--transport', 'local', '-c', archive.configPath, 'anyhost', 'pg', walFile(data)]);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(archive.incoming, SEGMENT)).equals(data)).toBe(true);
    expect(listDir(archive.incoming)).toEqual([SEGMENT]);
  });

  it('--md5 archives as pre-3.12 clients do', async () => {
    const archive = makeArchive();
    const data = randomSegment(SEGMENT, 1 << 20);
    const r = await archiveInProcess(['--transport', 'local', '--md5', '-c', archive.configPath, 'h', 'pg', walFile(data)]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(archive.incoming, SEGMENT)).equals(data)).toBe(true);
  });

  it('-z stores gzip under the plain WAL name; gzip -t accepts it and it decompresses to the original', async () => {
    const archive = makeArchive();
    // Compressible like real WAL, behind the page header put-wal checks (issue 8).
    const data = makeSegment(SEGMENT, { size: 1 << 20 });
    const r = await archiveInProcess(['--transport', 'local', '-z', '-c', archive.configPath, 'h', 'pg', walFile(data)]);
    expect(r.status, r.stderr).toBe(0);
    const stored = join(archive.incoming, SEGMENT);
    expect(execFileSync('gzip', ['-t', stored]).length).toBe(0);
    expect(gunzipSync(readFileSync(stored)).equals(data)).toBe(true);
  });

  it('-j stores bzip2 under the plain WAL name; bzip2 -t accepts it and it decompresses to the original', async () => {
    const archive = makeArchive();
    const data = randomSegment(SEGMENT, 1 << 20);
    const r = await archiveInProcess(['--transport', 'local', '-j', '--compression-level', '1', '-c', archive.configPath, 'h', 'pg', walFile(data)]);
    expect(r.status, r.stderr).toBe(0);
    const stored = join(archive.incoming, SEGMENT);
    execFileSync('bzip2', ['-t', stored]);
    expect(execFileSync('bzip2', ['-dc', stored], { maxBuffer: 64 << 20 }).equals(data)).toBe(true);
  });

  it('--test prints the ready line and exits 0', async () => {
    const archive = makeArchive();
    const r = await archiveInProcess(['--transport', 'local', '--test', '-c', archive.configPath, 'h', 'pg']);
    expect(r).toEqual({ status: 0, stdout: 'Ready to accept WAL files for the server pg\n', stderr: '' });
  });

  it("an unknown server: the remote's ERROR line, then exit 1 (the remote's status)", async () => {
    const archive = makeArchive();
    const r = await archiveInProcess(['--transport', 'local', '-c', archive.configPath, 'h', 'nope', walFile()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("ERROR: Unknown server 'nope'\nERROR: remote 'barman put-wal' on local failed with status 1\n");
    expect(listDir(archive.incoming)).toEqual([]);
  });

  it('--test for an unknown server exits 1', async () => {
    const archive = makeArchive();
    const r = await archiveInProcess(['--transport', 'local', '--test', '-c', archive.configPath, 'h', 'nope']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("ERROR: Unknown server 'nope'\n");
  });
});

describe('a WAL file whose size changes while it is sent', () => {
  /** A "WAL file" that stat says is empty but that reads ~1.4 KB: /proc/self/status under a WAL name. */
  const growingWal = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-growing-'));
    symlinkSync('/proc/self/status', join(dir, SEGMENT));
    return join(dir, SEGMENT);
  };

  it('local transport: exit 2 with the size error, nothing stored', async () => {
    const archive = makeArchive();
    const r = await archiveInProcess(['--transport', 'local', '-c', archive.configPath, 'h', 'pg', growingWal()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^ERROR: ${SEGMENT} produced at least \\d+ bytes but 0 were declared\nHINT: the file changed while it was being sent; retry\n$`, 'm'));
    expect(listDir(archive.incoming)).toEqual([]);
  });

  it('over ssh: the send is aborted (the remote sees a truncated stream), exit 2, nothing stored', async () => {
    const archive = makeArchive();
    const r = await archiveExecutable(['-c', archive.configPath, 'backup', 'pg', growingWal()], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`ERROR: ${SEGMENT} produced at least \\d+ bytes but 0 were declared\nHINT: the file changed while it was being sent; retry\n$`));
    expect(listDir(archive.incoming)).toEqual([]);
  });
});

describe('walship-archive local errors exit 2 before anything is sent', () => {
  const noArchive = '/nonexistent/barman.conf';

  it('WAL_PATH missing', async () => {
    const r = await archiveInProcess(['--transport', 'local', '-c', noArchive, 'h', 'pg', `/nonexistent/${SEGMENT}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ERROR: WAL_PATH /nonexistent/${SEGMENT} does not exist\n`);
  });

  it('WAL_PATH a directory', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'walship-dir-')), SEGMENT);
    mkdirSync(dir);
    const r = await archiveInProcess(['--transport', 'local', '-c', noArchive, 'h', 'pg', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ERROR: WAL_PATH ${dir} is not a regular file (it is a directory)\n`);
  });

  it('WAL_PATH whose name is not a WAL file name', async () => {
    const path = walFile(randomBytes(100), 'pg_wal_garbage');
    const r = await archiveInProcess(['--transport', 'local', '-c', noArchive, 'h', 'pg', path]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ERROR: "pg_wal_garbage" is not a valid WAL file name (basename of WAL_PATH)\n');
  });

  for (const server of ["it's", 'two words', 'a;id', '$(id)', '../etc']) {
    it(`server name ${JSON.stringify(server)} never reaches a shell or a path`, async () => {
      const r = await archiveInProcess(['--transport', 'local', '-c', noArchive, 'h', server, walFile()]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        `ERROR: invalid server name ${JSON.stringify(server)}\nHINT: server names may contain only letters, digits, "-", "_" and "."\n`,
      );
    });
  }

  it('-z with -j, a bad --compression-level, missing arguments: usage errors', async () => {
    expect((await archiveInProcess(['-z', '-j', 'h', 'pg', walFile()])).stderr).toBe('ERROR: -z/--gzip and -j/--bzip2 cannot be combined\nHINT: see walship-archive --help\n');
    expect((await archiveInProcess(['-z', '-j', 'h', 'pg', walFile()])).status).toBe(2);
    expect((await archiveInProcess(['-z', '--compression-level', '10', 'h', 'pg', walFile()])).status).toBe(2);
    expect((await archiveInProcess(['h'])).status).toBe(2);
    expect((await archiveInProcess(['h', 'pg'])).stderr).toBe('ERROR: missing WAL_PATH\nHINT: see walship-archive --help\n');
  });

  it('a BARMAN_HOST that ssh would read as an option is refused (exit 2), ssh never runs', async () => {
    const r = await archiveInProcess(['-oProxyCommand=touch /tmp/pwned', 'pg', walFile()]);
    expect(r.status).toBe(2);
    const r2 = await archiveInProcess(['--', '-oProxyCommand=x', 'pg', walFile()]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toBe('ERROR: invalid BARMAN_HOST "-oProxyCommand=x"\n');
  });
});

describe('archiveWal against a remote that stops reading midway', () => {
  it("reports the remote's status, not a local error, and does not hang", async () => {
    const transport = localTransport(new PassThrough(), {}, async () => async (_argv, io) => {
      // Like put-wal refusing a stream: read a little, destroy stdin, answer 1.
      await new Promise((resolve) => io.stdin.once('data', resolve));
      io.stdin.destroy();
      return 1;
    });
    const error: unknown = await archiveWal({ walPath: walFile(randomSegment(SEGMENT, 16 << 20)), server: 'pg', checksum: 'sha256', transport, stdout: new PassThrough() })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(exitStatusFor(ARCHIVE_EXIT, error)).toBe(1);
  });
});

/** Runs the built bin/walship-archive with the stand-in ssh first on PATH. */
async function archiveExecutable(argv: string[], env: Record<string, string>): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${repoRoot}/bin/walship-archive`, argv, {
      env: { ...process.env, PATH: `${FAKE_SSH_DIR}:${repoRoot}/bin:/usr/bin:/bin`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

describe('bin/walship-archive over a stand-in ssh (the remote is `sh -c` running bin/barman)', () => {
  it("archives through the remote shell, with a config path full of spaces and quotes", async () => {
    const archive = makeArchive("walship-it's a dir-");
    const data = randomSegment(SEGMENT, 1 << 20);
    const argvLog = join(archive.dir, 'ssh-argv');
    const r = await archiveExecutable(['-c', archive.configPath, '--port', '2222', 'backup', 'pg', walFile(data)], { FAKE_SSH_ARGV: argvLog });
    expect(r, r.stderr).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(archive.incoming, SEGMENT)).equals(data)).toBe(true);
    const argv = readFileSync(argvLog, 'utf8').split('\n');
    expect(argv.slice(0, 7)).toEqual(['-p', '2222', '-q', '-T', '-o', 'BatchMode=yes', 'barman@backup']);
    expect(argv[7]).toBe(`barman '--config=${archive.configPath.replaceAll("'", `'\\''`)}' put-wal pg`);
  });

  it('ssh cannot connect (exit 255): exit 3, an ERROR line, nothing stored', async () => {
    const archive = makeArchive();
    const r = await archiveExecutable(['-c', archive.configPath, 'backup', 'pg', walFile()], { FAKE_SSH_MODE: 'refuse' });
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('ERROR: cannot reach the archive host barman@backup: ssh to backup failed (exit 255)\n');
    expect(listDir(archive.incoming)).toEqual([]);
  });

  it('the connection drops midway (ssh 255 after part of the stream): exit 3', async () => {
    const archive = makeArchive();
    const r = await archiveExecutable(['-c', archive.configPath, 'backup', 'pg', walFile(randomSegment(SEGMENT, 4 << 20))], { FAKE_SSH_MODE: 'drop' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^ERROR: cannot reach the archive host/m);
  });

  it("--test with ssh failing exits 3", async () => {
    const r = await archiveExecutable(['--test', 'backup', 'pg'], { FAKE_SSH_MODE: 'refuse' });
    expect(r.status).toBe(3);
  });

  it("the remote's own status comes back as walship-archive's status (a remote answering 4 → 4)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-remote-'));
    writeFileSync(join(dir, 'barman'), '#!/bin/sh\ncat >/dev/null\necho "ERROR: remote trouble" >&2\nexit 4\n', { mode: 0o755 });
    const child = await archiveExecutable(['backup', 'pg', walFile()], { PATH: `${FAKE_SSH_DIR}:${dir}:/usr/bin:/bin` });
    expect(child.status).toBe(4);
    expect(child.stderr).toBe("ERROR: remote trouble\nERROR: remote 'barman put-wal' on barman@backup failed with status 4\n");
  });

  it('a remote that exits 0 without reading the stream is not an archived WAL (barman-cli fails here too, with a broken pipe)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-remote-'));
    // A `barman` that answers 0 at once: a wrapper, a forced command, anything but put-wal.
    writeFileSync(join(dir, 'barman'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r = await archiveExecutable(['backup', 'pg', walFile(randomSegment(SEGMENT, 16 << 20))], { PATH: `${FAKE_SSH_DIR}:${dir}:/usr/bin:/bin` });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("ERROR: remote 'barman put-wal' on barman@backup exited 0 without reading the whole WAL stream: the WAL is not archived\n");
  });

  it("an unknown server: the remote's `ERROR: Unknown server 'nope'` is forwarded and the status is 1", async () => {
    const archive = makeArchive();
    const r = await archiveExecutable(['-c', archive.configPath, 'backup', 'nope', walFile()], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("ERROR: Unknown server 'nope'\nERROR: remote 'barman put-wal' on barman@backup failed with status 1\n");
    expect(leftovers(archive.incoming)).toEqual([]);
  });
});
