// Receives put-wal's tar stream: every WAL member into an fsync'd temp file in the incoming
// directory (hashed while it streams), the checksum member into memory. Publishes nothing.

import { createHash } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidWalNameError, TarFormatError } from '../errors.js';
import { discardTemp, writeTempFile, type TempFile } from '../durable/durable-write.js';
import { parseWalName, type WalName } from '../wal/name.js';
import { checksumAlgorithmForMember, type ChecksumAlgorithm } from '../wire/checksums.js';
import { readTar, type TarLimits } from '../wire/tar-reader.js';

export interface ReceivedWal {
  wal: WalName;
  temp: TempFile;
  /** SHA-256 of the received bytes, computed while they streamed to disk. */
  sha256: string;
}

export interface ReceivedStream {
  files: ReceivedWal[];
  checksums: { algorithm: ChecksumAlgorithm; text: string } | undefined;
}

/** A checksum file lists one short line per WAL: 1 MiB is far more than 1024 members need. */
const MAX_CHECKSUM_FILE = 1 << 20;

async function readSmall(data: Readable, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of data) {
    size += (chunk as Buffer).length;
    if (size > MAX_CHECKSUM_FILE) throw new TarFormatError('TAR_TOO_LARGE', `checksum member ${name} is larger than 1 MiB`, { member: name });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads the whole stream. On any failure every temp file written so far is removed before the
 * error propagates, so a rejected or truncated transfer leaves nothing in incoming.
 */
export async function receiveWalStream(input: Readable, incomingDir: string, limits?: TarLimits): Promise<ReceivedStream> {
  const received: ReceivedStream = { files: [], checksums: undefined };
  try {
    await readTar(
      input,
      async (header, data) => {
        const algorithm = checksumAlgorithmForMember(header.name);
        if (algorithm) {
          if (received.checksums) throw new TarFormatError('TAR_BAD_HEADER', `more than one checksum member (${header.name})`, { member: header.name });
          received.checksums = { algorithm, text: await readSmall(data, header.name) };
          return;
        }
        const wal = parseWalName(header.name);
        if (!wal) throw new InvalidWalNameError(`tar member ${JSON.stringify(header.name)} is not a WAL file name`);
        if (received.files.some((f) => f.wal.name === wal.name)) {
          throw new TarFormatError('TAR_BAD_HEADER', `WAL file ${wal.name} appears twice in the stream`, { member: wal.name });
        }
        // SHA-256 while streaming (3.12+ clients send SHA256SUMS); which checksum member the client
        // sends is only known at the end, and MD5 (older clients) costs a second read only then.
        // Hashed by a generator, not a Transform stage: with (flowing source, Transform, async sink)
        // Node's pipeline reports AbortError instead of the sink's own error (nodejs/node#62089),
        // and the ERROR line of a full disk must say ENOSPC, not "The operation was aborted".
        const sha256 = createHash('sha256');
        const hashed = async function* (): AsyncGenerator<Buffer> {
          for await (const chunk of data) {
            sha256.update(chunk as Buffer);
            yield chunk as Buffer;
          }
        };
        const temp = await writeTempFile(join(incomingDir, wal.name), hashed());
        received.files.push({ wal, temp, sha256: sha256.digest('hex') });
        // Keep the sender's mtime, as Barman's put-wal does (tar.utime): Barman's archiver records
        // it in xlog.db, and `barman recover --target-time` stops copying WAL at the first file
        // whose time is past the target, so a receive-time stamp could cut off needed segments.
        await utimes(temp.path, header.mtime, header.mtime);
      },
      limits,
    );
  } catch (error) {
    await discardAll(received.files);
    throw error;
  }
  return received;
}

export async function discardAll(files: ReceivedWal[]): Promise<void> {
  await Promise.all(files.map((f) => discardTemp(f.temp)));
}
