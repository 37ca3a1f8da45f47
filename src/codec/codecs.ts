// Compression stages. gzip uses Node's zlib (measured faster than the gzip program); bzip2 is
// produced only by the reference `bzip2` program (the pure-JS compressor we measured produced
// streams that bzip2 -t rejects) and decoded by it when present, else by the seek-bzip decoder.
// xz, zstd and lz4 are decoded by their programs when installed; snappy is not supported.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Readable, Transform, Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { CompressionError } from '../errors.js';
import type { Compression } from './stored.js';
import { programStage } from './program-stage.js';
import { LEVELS } from './levels.js';

export type TransferCompression = 'gzip' | 'bzip2';
/** What walship-archive can compress with (barman-cli 3.14+'s choices but snappy, which has no program). */
export type ArchiveCompression = TransferCompression | 'xz' | 'zstd' | 'lz4';

/** Finds an executable on PATH, like `command -v`; undefined when absent. */
export function findProgram(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

function requireProgram(name: string, why: string): string {
  const found = findProgram(name);
  if (!found) throw new CompressionError(`${why} needs the '${name}' program, which is not on PATH`, { hint: `install it (Debian package ${name === 'xz' ? 'xz-utils' : name})` });
  return found;
}

/** Each program's default when no level is given (bzip2's own is 9; xz, zstd and lz4 keep theirs). */
const programArgs = (kind: Exclude<ArchiveCompression, 'gzip'>, level: number | undefined): string[] => {
  const levelArg = level === undefined ? (kind === 'bzip2' ? ['-9'] : []) : [`-${level}`];
  // -q: lz4 and zstd print progress on a terminal's stderr otherwise; all write to stdout with -c.
  return kind === 'bzip2' ? ['-c', ...levelArg] : ['-c', '-q', ...levelArg];
};

/** xz, zstd and lz4 need their programs. The level must be in the kind's range (levels.ts). */
export function createCompressor(kind: ArchiveCompression, level?: number): Duplex {
  const { min, max } = LEVELS[kind];
  if (level !== undefined && !(Number.isInteger(level) && level >= min && level <= max)) {
    throw new CompressionError(`compression level ${level} is not between ${min} and ${max} for ${kind}`);
  }
  if (kind === 'gzip') return createGzip(level === undefined ? {} : { level });
  return programStage([requireProgram(kind, `${kind} compression`), ...programArgs(kind, level)], `${kind} compression`);
}

export function createDecompressor(kind: Compression): Duplex {
  switch (kind) {
    case 'gzip':
      return createGunzip();
    case 'bzip2': {
      const program = findProgram('bzip2');
      return program ? programStage([program, '-dc'], 'bzip2 decompression') : jsBzip2Decoder();
    }
    case 'xz':
    case 'zstd':
    case 'lz4':
      return programStage([requireProgram(kind, `${kind} decompression`), '-dc'], `${kind} decompression`);
    case 'snappy':
      throw new CompressionError('snappy-compressed WAL files are not supported by walship', {
        hint: 'decompress them with python-snappy on the Barman host, or use gzip, bzip2, xz, zstd or lz4',
      });
  }
}

/** Buffers the whole stream and decodes it with seek-bzip: slower, used only without the bzip2 program. */
function jsBzip2Decoder(): Transform {
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
    flush(callback) {
      import('seek-bzip')
        .then((mod: { default: { decode(input: Buffer): Buffer } }) => callback(null, mod.default.decode(Buffer.concat(chunks))))
        .catch((error: unknown) => callback(new CompressionError(`bzip2 decompression failed: ${(error as Error).message ?? String(error)}`)));
    },
  });
}

/** `data` through `stages` into one Buffer: for whole segments already in memory (at most 1 GiB). */
export async function transformBuffer(data: Buffer, ...stages: Duplex[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline([Readable.from([data]), ...stages, sink]);
  return Buffer.concat(chunks);
}
