// Sends one located WAL file to a writable (stdout) or durably to -o DIR/<name>, converting from
// the stored compression to the requested output format.

import { join } from 'node:path';
import type { Duplex, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCompressor, createDecompressor } from '../codec/codecs.js';
import { readStoredFormat, type StoredFormat } from '../codec/stored.js';
import type { TransferFormat } from '../codec/transfer.js';
import { DESTINATION_ERRNOS } from '../durable/destination-errnos.js';
import { writeFileDurably } from '../durable/durable-write.js';
import { CompressionError, DestinationUnusableError, errnoCode } from '../errors.js';
import type { LocatedWal } from './locate.js';

/** What the client asked for: the format of the bytes get-wal sends (the client decodes the same names). */
export type OutputFormat = TransferFormat;

/**
 * The stages between the stored bytes and the output. Bytes already in the requested format pass
 * through untouched (no pointless decompress-recompress); --keep-compression never converts.
 */
export function conversionStages(stored: StoredFormat, output: OutputFormat): Duplex[] {
  if (output === 'keep' || stored === output || (stored === 'none' && output === 'plain')) return [];
  const stages: Duplex[] = [];
  if (stored !== 'none') stages.push(createDecompressor(stored));
  if (output !== 'plain') stages.push(createCompressor(output));
  return stages;
}

/** zlib names a corrupt stored file only by its error code; say which file it was. */
const asDecodeError = (error: unknown, wal: LocatedWal): unknown =>
  errnoCode(error)?.startsWith('Z_') ? new CompressionError(`cannot decompress ${wal.path}: ${(error as Error).message}`, { cause: error }) : error;

/** Streams the file to `out` without ending it: stdout belongs to the process (or the local transport). */
export async function sendToStream(wal: LocatedWal, output: OutputFormat, out: Writable): Promise<void> {
  const stages = conversionStages(await readStoredFormat(wal.handle), output);
  const source = wal.handle.createReadStream({ start: 0, autoClose: false });
  await pipeline([source, ...stages, out], { end: false }).catch((error: unknown) => {
    throw asDecodeError(error, wal);
  });
}

/** Writes DIR/<name> through temp → fsync → rename, so a reader never sees half a file. */
export async function sendToDirectory(wal: LocatedWal, output: OutputFormat, directory: string, name: string): Promise<string> {
  const stages = conversionStages(await readStoredFormat(wal.handle), output);
  const destination = join(directory, name);
  const source = wal.handle.createReadStream({ start: 0, autoClose: false });
  try {
    await writeFileDurably(destination, source, { stages, mode: 0o644 });
  } catch (error) {
    const code = errnoCode(error);
    if (code !== undefined && DESTINATION_ERRNOS.has(code)) {
      throw new DestinationUnusableError(`Unable to write '${destination}': ${(error as Error).message}`, { cause: error });
    }
    throw asDecodeError(error, wal);
  }
  return destination;
}
