// Streaming pax tar writer: the stream walship-archive sends to put-wal, readable by GNU tar and Python's tarfile.
import { Readable } from 'node:stream';
import { TarFormatError } from '../errors.js';
import { BLOCK, MAX_OCTAL, checkMemberName, encodeHeader, encodePaxRecords, paddingFor } from './tar-header.js';

export interface TarMemberSource {
  /** A plain basename; the writer refuses what the reader would refuse (see checkMemberName). */
  name: string;
  /** Exact number of bytes `data` produces; any difference errors the output stream. */
  size: number;
  /** Seconds since the epoch, may be fractional (carried exactly in the pax `mtime` record). */
  mtime: number;
  /** Permission bits, default 0o644. */
  mode?: number;
  /** Streams are read as the output is read, so a 1 GiB source is never held in memory. */
  data: Buffer | NodeJS.ReadableStream | AsyncIterable<Buffer>;
}

/**
 * Packs members as pax: per member an 'x' header with `mtime` (plus `path`/`size` when the ustar
 * fields cannot hold them), a ustar header, the data padded to 512, then two zero blocks.
 * No padding to a 10240-byte record: both GNU tar and Python read a stream that stops there.
 * The output errors (TarFormatError TAR_SIZE_MISMATCH) if a source's length differs from `size`;
 * the bytes already emitted then end mid-member, which every reader treats as truncated.
 */
export function packTar(members: AsyncIterable<TarMemberSource> | Iterable<TarMemberSource>): Readable {
  // Readable.from pulls the next chunk only when the consumer wants more: backpressure end to end.
  return Readable.from(generateTar(members), { objectMode: false });
}

async function* generateTar(members: AsyncIterable<TarMemberSource> | Iterable<TarMemberSource>): AsyncGenerator<Buffer> {
  for await (const member of members) {
    checkMember(member);
    yield memberHeaders(member);
    yield* memberData(member);
    const pad = paddingFor(member.size);
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(2 * BLOCK);
}

function checkMember(member: TarMemberSource): void {
  const reason = checkMemberName(member.name);
  if (reason !== undefined) {
    throw new TarFormatError('TAR_UNSAFE_NAME', `cannot send ${JSON.stringify(member.name)}: ${reason}`, { member: member.name });
  }
  if (!Number.isSafeInteger(member.size) || member.size < 0) throw new RangeError(`invalid size ${member.size} for ${member.name}`);
  if (!Number.isFinite(member.mtime) || member.mtime < 0 || member.mtime > MAX_OCTAL) {
    throw new RangeError(`invalid mtime ${member.mtime} for ${member.name}`);
  }
  const mode = member.mode ?? 0o644;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new RangeError(`invalid mode ${mode} for ${member.name}`);
  if (Buffer.isBuffer(member.data) && member.data.length !== member.size) throw sizeMismatch(member, member.data.length);
}

/** The pax header, its records and the ustar header, as one chunk. */
function memberHeaders(member: TarMemberSource): Buffer {
  const records: Array<[string, string]> = [['mtime', formatSeconds(member.mtime)]];
  // Python's tarfile also moves non-ASCII names to pax, where they are UTF-8 by definition.
  if (Buffer.byteLength(member.name) > 100 || !/^[\u0020-\u007e]*$/.test(member.name)) records.push(['path', member.name]);
  if (member.size > MAX_OCTAL) records.push(['size', String(member.size)]);
  const pax = encodePaxRecords(records);
  const seconds = Math.floor(member.mtime);
  return Buffer.concat([
    encodeHeader({ name: `./PaxHeaders/${member.name}`, size: pax.length, mtime: seconds, mode: 0o644, typeflag: 'x' }),
    pax,
    Buffer.alloc(paddingFor(pax.length)),
    encodeHeader({
      name: member.name, size: member.size > MAX_OCTAL ? 0 : member.size, mtime: seconds,
      mode: member.mode ?? 0o644, typeflag: '0',
    }),
  ]);
}

/** The source's bytes, refusing to emit a byte past `size` or to end short of it. */
async function* memberData(member: TarMemberSource): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(member.data)) {
    if (member.data.length > 0) yield member.data;
    return;
  }
  let seen = 0;
  for await (const chunk of member.data as AsyncIterable<unknown>) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError(`source of ${member.name} must produce Buffers, not ${typeof chunk}`);
    seen += chunk.length;
    if (seen > member.size) throw sizeMismatch(member, seen, 'at least ');
    if (chunk.length > 0) yield chunk;
  }
  if (seen !== member.size) throw sizeMismatch(member, seen);
}

const sizeMismatch = (member: TarMemberSource, actual: number, qualifier = ''): TarFormatError =>
  new TarFormatError('TAR_SIZE_MISMATCH',
    `${member.name} produced ${qualifier}${actual} bytes but ${member.size} were declared`,
    { member: member.name, hint: 'the file changed while it was being sent; retry' });

/** Decimal seconds as Python writes them (shortest round-trip form), never in exponent notation. */
function formatSeconds(seconds: number): string {
  const text = String(seconds);
  return text.includes('e') ? seconds.toFixed(9) : text;
}
