// walship-archive's work on one WAL file: read it once (hashing, and compressing if asked, as it
// streams), send it as a tar with its checksum member to `barman put-wal`, and report the outcome.

import { basename } from 'node:path';
import { pipeline as pipelineCallback, type Readable, type Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCompressor, type ArchiveCompression } from '../codec/codecs.js';
import { requireServerName } from '../config/barman-config.js';
import { errnoCode, RemoteCommandError } from '../errors.js';
import { putWalArgs } from '../transport/barman-command.js';
import { remoteStatus, requireRemoteSuccess } from '../transport/remote-exit.js';
import type { Transport } from '../transport/transport.js';
import { requireWalName } from '../wal/name.js';
import { CHECKSUM_FILE, createHashingPassThrough, formatChecksumLines, type ChecksumAlgorithm } from '../wire/checksums.js';
import { packTar, type TarMemberSource } from '../wire/tar-writer.js';
import { openWal, type OpenWal } from './wal-path.js';

export interface ArchiveRequest {
  walPath: string;
  /** More ready segments to send in the same stream (walship-archive --batch). */
  extraPaths?: readonly string[];
  server: string;
  configPath?: string | undefined;
  checksum: ChecksumAlgorithm;
  compression?: ArchiveCompression | undefined;
  compressionLevel?: number | undefined;
  /** Also take SHA-256 of each file's own bytes (what --batch records); costs a hash only when compressed or --md5. */
  ownSha256?: boolean;
  transport: Transport;
  /** Where the remote's stdout goes (put-wal prints nothing there; --test prints its ready line). */
  stdout: Writable;
}

/** Compressed size is known only at the end, and a tar header needs it first: compress to memory. */
async function compressToBuffer(source: Readable, kind: ArchiveCompression, level: number | undefined, hasher: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(source, createCompressor(kind, level), hasher, async (stream: AsyncIterable<Buffer>) => {
    for await (const chunk of stream) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}


/** One WAL file as it went out: the checksum of the member sent, and (ownSha256) SHA-256 of the file's own bytes. */
export interface SentWal {
  name: string;
  path: string;
  size: number;
  wireHex: string;
  sha256: string | undefined;
  /** The inode that was read: the async agent acknowledges by hard-linking exactly this file. */
  dev: number;
  ino: number;
}

async function* walMembers(request: ArchiveRequest, files: OpenWal[], sent: SentWal[]): AsyncGenerator<TarMemberSource> {
  for (const file of files) {
    // The file is read once. Uncompressed, one pass-through stage takes every digest needed (a single
    // hash when the wire checksum is SHA-256); compressed, the wire checksum covers the compressed member.
    const ownAlgorithms: ChecksumAlgorithm[] = request.ownSha256 ? ['sha256'] : [];
    const rawAlgorithms = request.compression ? ownAlgorithms : [...new Set([request.checksum, ...ownAlgorithms])];
    const rawHasher = createHashingPassThrough(rawAlgorithms);
    const raw = pipelineCallback(file.handle.createReadStream({ autoClose: false }), rawHasher, () => undefined);
    const wireHasher = request.compression ? createHashingPassThrough([request.checksum]) : rawHasher;
    if (request.compression) {
      const data = await compressToBuffer(raw, request.compression, request.compressionLevel, wireHasher);
      yield { name: file.name, size: data.length, mtime: file.mtime, mode: 0o600, data };
    } else {
      yield { name: file.name, size: file.size, mtime: file.mtime, mode: 0o600, data: raw };
    }
    const wireHex = wireHasher.digests()[request.checksum] as string;
    const sha256 = request.ownSha256 ? rawHasher.digests().sha256 : undefined;
    sent.push({ name: file.name, path: file.path, size: file.size, wireHex, sha256, dev: file.dev, ino: file.ino });
  }
  const sums = Buffer.from(formatChecksumLines(sent.map((f) => ({ name: f.name, hex: f.wireHex }))));
  yield { name: CHECKSUM_FILE[request.checksum], size: sums.length, mtime: Date.now() / 1000, mode: 0o644, data: sums };
}

/** Extra backlog files are opportunistic: one that vanished or cannot be read is simply left for its own call. */
async function openExtras(paths: readonly string[]): Promise<OpenWal[]> {
  const opened: OpenWal[] = [];
  for (const path of paths) {
    const file = await openWal(path).catch(() => undefined);
    if (file) opened.push({ ...file, name: basename(path), path });
  }
  return opened;
}

/**
 * Sends WAL_PATH (and any `extraPaths`, the batched backlog) in one put-wal stream. Resolves with
 * what was sent only once the archive host has answered 0 for the whole stream.
 */
export async function archiveWal(request: ArchiveRequest): Promise<SentWal[]> {
  requireServerName(request.server);
  const primary = await openWal(request.walPath);
  const files: OpenWal[] = [{ ...primary, name: basename(request.walPath), path: request.walPath }];
  try {
    requireWalName(files[0]!.name, 'WAL file name (basename of WAL_PATH)');
    files.push(...(await openExtras(request.extraPaths ?? [])));
    const sent: SentWal[] = [];
    const remote = request.transport.run(putWalArgs(request.server, request.configPath));
    remote.stdout.pipe(request.stdout, { end: false });
    let localError: unknown;
    let unread = false;
    const tar = packTar(walMembers(request, files, sent));
    await pipeline(tar, remote.stdin).catch((error: unknown) => {
      // EPIPE means the remote stopped reading: its exit status says why. Anything else is ours.
      if (errnoCode(error) !== 'EPIPE' && errnoCode(error) !== 'ERR_STREAM_PREMATURE_CLOSE') {
        localError = error;
        remote.abort();
      } else {
        // Node also reports a premature close when the remote exits after reading every byte;
        // only a tar stream we could not hand over completely means the remote skipped some.
        unread = !tar.readableEnded;
      }
    });
    const exit = await remote.done;
    if (localError !== undefined) throw localError;
    requireRemoteSuccess(exit, {
      unreachable: unreachable(request.transport.label),
      failed: (status) => `remote 'barman put-wal' on ${request.transport.label} failed with status ${status}`,
    });
    if (unread) {
      // A 0 from a remote that never took the whole stream is no proof of storage, and PostgreSQL
      // deletes the segment on our 0. barman-cli fails here too ("Broken pipe", exit 2).
      throw new RemoteCommandError(
        `remote 'barman put-wal' on ${request.transport.label} exited 0 without reading the whole WAL stream: the WAL is not archived`,
        2,
      );
    }
    return sent;
  } finally {
    await Promise.all(files.map((f) => f.handle.close()));
  }
}

const unreachable = (label: string) => (detail: string): string => `cannot reach the archive host ${label}: ${detail}`;

/** `--test`: the remote checks the server's configuration and prints its ready line. */
export async function testArchive(request: Omit<ArchiveRequest, 'walPath' | 'checksum'>): Promise<number> {
  requireServerName(request.server);
  const remote = request.transport.run(putWalArgs(request.server, request.configPath, true));
  remote.stdin.end();
  remote.stdout.pipe(request.stdout, { end: false });
  return remoteStatus(await remote.done, unreachable(request.transport.label));
}
