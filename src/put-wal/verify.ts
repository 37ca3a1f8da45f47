// Checks a received stream against its checksum member: every file has a line, every line a
// file, every digest matches. Nothing is published unless all of it holds.

import { ChecksumMismatchError } from '../errors.js';
import { CHECKSUM_FILE, hashFile, parseChecksumFile, type ChecksumAlgorithm } from '../wire/checksums.js';
import type { ReceivedStream, ReceivedWal } from './receive.js';

/** The received file's digest: SHA-256 was taken in flight; MD5 is read back from the fsync'd temp file. */
async function digestOf(file: ReceivedWal, algorithm: ChecksumAlgorithm): Promise<string> {
  if (algorithm === 'sha256') return file.sha256;
  return (await hashFile(file.temp.path, algorithm)).hex;
}

export async function verifyChecksums(received: ReceivedStream): Promise<void> {
  const { checksums, files } = received;
  if (!checksums) {
    throw new ChecksumMismatchError(`the stream has no ${CHECKSUM_FILE.sha256} or ${CHECKSUM_FILE.md5} member`, {
      hint: 'the client must send a checksum for every file (barman-wal-archive does)',
    });
  }
  const declared = parseChecksumFile(checksums.text, checksums.algorithm);
  const label = CHECKSUM_FILE[checksums.algorithm];
  for (const file of files) {
    const expected = declared.get(file.wal.name);
    if (expected === undefined) throw new ChecksumMismatchError(`WAL file ${file.wal.name} has no line in ${label}`);
    const actual = await digestOf(file, checksums.algorithm);
    if (actual !== expected) {
      throw new ChecksumMismatchError(`checksum mismatch for ${file.wal.name}: ${label} says ${expected}, received bytes hash to ${actual}`, {
        hint: 'the transfer was corrupted; the archive is unchanged and PostgreSQL will retry',
      });
    }
  }
  for (const name of declared.keys()) {
    if (!files.some((f) => f.wal.name === name)) throw new ChecksumMismatchError(`${label} lists ${name}, which is not in the stream`);
  }
}
