// The one place that makes files survive a crash: temp file → fsync → rename (or link) → fsync dir.
// Order as in pgBackRest's storage/posix/write.c. put-wal, the restore spool and safe-dir use it.

import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode } from '../errors.js';

/** A fully written and fsync'd file under a name no reader will pick up. */
export interface TempFile {
  readonly path: string;
  readonly finalPath: string;
  readonly size: number;
}

/** Temp names start with a dot and end with .walship-tmp so that cleanup and humans can spot them. */
export const TEMP_SUFFIX = '.walship-tmp';
export const isTempName = (name: string): boolean => name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
/**
 * `.<final>.<pid>.<tag>.walship-tmp` beside `finalPath`: hidden from every WAL-name scan, and the
 * writer's pid lets a later run tell a temp file of a killed writer from one still being written.
 */
export const tempPathFor = (finalPath: string, tag = randomBytes(4).toString('hex')): string =>
  join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}.${tag}${TEMP_SUFFIX}`);

/** The pid in a temp name written by tempPathFor; undefined for any other name. */
export function tempOwnerPid(name: string): number | undefined {
  if (!isTempName(name)) return undefined;
  const pid = name.split('.').at(-3);
  return pid !== undefined && /^\d+$/.test(pid) && Number(pid) > 0 ? Number(pid) : undefined;
}

/**
 * Flushes a directory entry change (create, rename, unlink) to disk. Without it a crash after
 * rename can leave the old directory state, so a file we reported as archived disappears.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type ByteSource = Readable | AsyncIterable<Buffer> | Buffer;

/**
 * Streams `source` (through `stages`) into a new temp file beside `finalPath`, fsyncs and closes
 * it. On any failure the temp file is removed and the error rethrown: nothing half-written stays.
 */
export async function writeTempFile(
  finalPath: string,
  source: ByteSource,
  options: { stages?: Duplex[]; mode?: number } = {},
): Promise<TempFile> {
  const path = tempPathFor(finalPath);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, options.mode ?? 0o600);
  } catch (error) {
    // The stages never ran: a program stage (bzip2, xz) would wait on its stdin forever.
    for (const stage of options.stages ?? []) stage.destroy();
    throw error;
  }
  let size = 0;
  let writeError: unknown;
  try {
    const input = source instanceof Readable ? source : Readable.from(Buffer.isBuffer(source) ? [source] : source);
    // A plain consumer rather than fs.WriteStream: we keep the handle open for fsync ourselves.
    const sink = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of chunks) {
        try {
          await writeFully(handle, chunk);
        } catch (error) {
          writeError = error;
          throw error;
        }
        size += chunk.length;
      }
    };
    // pipeline's overloads cannot type a variable number of stages.
    await (pipeline as (...streams: unknown[]) => Promise<void>)(input, ...(options.stages ?? []), sink);
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    // With a Transform between source and sink, pipeline may report an AbortError instead of the
    // sink's own failure (nodejs/node#62089): the write error (ENOSPC, EIO) is the one to tell.
    throw writeError ?? error;
  }
  return { path, finalPath, size };
}

/**
 * write(2) may write fewer bytes than asked without an error (a nearly full filesystem does:
 * the error comes only with the next write). Ignoring that would publish a truncated file.
 */
async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Removes a temp file that will not be published; missing is fine. */
export async function discardTemp(temp: TempFile): Promise<void> {
  await unlink(temp.path).catch((error: unknown) => {
    if (errnoCode(error) !== 'ENOENT') throw error;
  });
}

/**
 * `temp.finalPath` may be in another directory than the temp file (a spooled segment going to
 * pg_wal, a duplicate going to errors/). On another filesystem rename and link fail with EXDEV:
 * then the bytes are first copied durably to a temp file beside the final path.
 */
async function besideFinalPath(temp: TempFile): Promise<TempFile> {
  return writeTempFile(temp.finalPath, createReadStream(temp.path));
}

/** Publishes by rename, replacing any existing file, then fsyncs the directory. */
export async function publishReplacing(temp: TempFile): Promise<void> {
  try {
    await rename(temp.path, temp.finalPath);
  } catch (error) {
    if (errnoCode(error) !== 'EXDEV') throw error;
    const copy = await besideFinalPath(temp);
    await rename(copy.path, copy.finalPath).catch(async (renameError: unknown) => {
      await discardTemp(copy);
      throw renameError;
    });
    await discardTemp(temp);
  }
  await fsyncDir(dirname(temp.finalPath));
}

/**
 * Publishes without ever replacing an existing file: link(2) fails atomically with EEXIST, so two
 * concurrent writers of one name cannot overwrite each other. Returns 'exists' (temp kept, for the
 * caller to compare and discard) when the name is taken.
 */
export async function publishNoClobber(temp: TempFile): Promise<'published' | 'exists'> {
  try {
    return await linkNoClobber(temp);
  } catch (error) {
    if (errnoCode(error) !== 'EXDEV') throw error;
  }
  const copy = await besideFinalPath(temp);
  const outcome = await linkNoClobber(copy).catch(async (error: unknown) => {
    await discardTemp(copy);
    throw error;
  });
  if (outcome === 'exists') await discardTemp(copy);
  else await discardTemp(temp);
  return outcome;
}

async function linkNoClobber(temp: TempFile): Promise<'published' | 'exists'> {
  try {
    await link(temp.path, temp.finalPath);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return 'exists';
    throw error;
  }
  await unlink(temp.path);
  await fsyncDir(dirname(temp.finalPath));
  return 'published';
}

/** Writes a whole file durably under its final name (temp → fsync → rename → fsync dir). */
export async function writeFileDurably(
  finalPath: string,
  source: ByteSource,
  options: { stages?: Duplex[]; mode?: number } = {},
): Promise<number> {
  const temp = await writeTempFile(finalPath, source, options);
  try {
    await publishReplacing(temp);
  } catch (error) {
    await discardTemp(temp);
    throw error;
  }
  return temp.size;
}
