// The 512-byte tar header and pax records: one place that knows the byte layout, for writer and reader.
import { TarFormatError } from '../errors.js';

export const BLOCK = 512;
/** Pax bodies are buffered whole; real ones are a few hundred bytes. */
export const PAX_MAX = 64 * 1024;
/** Largest value of an 11-digit octal field (8 GiB - 1); bigger sizes go to a pax `size` record. */
export const MAX_OCTAL = 0o77777777777;

export interface TarMemberHeader { name: string; size: number; mtime: number; mode: number; type: 'file' }

/** A header as stored, before pax records are applied. */
export interface RawHeader { nameBytes: Buffer; displayName: string; typeflag: string; size: number; mode: number; mtime: number }

export type PaxRecords = Map<string, string>;

export const paddingFor = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

const quote = (text: string): string => JSON.stringify(text);
const badHeader = (message: string, member?: string): TarFormatError =>
  new TarFormatError('TAR_BAD_HEADER', message, member === undefined ? {} : { member });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why `name` is not one plain basename, or undefined when it is safe to create in a directory. */
export function checkMemberName(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name === '.' || name === '..') return `the name is ${quote(name)}`;
  if (name.startsWith('/')) return 'the name is an absolute path';
  if (name.includes('/')) return 'the name contains "/"';
  if (name.includes('\0')) return 'the name contains a NUL byte';
  // Names land in line-oriented text (checksum files, ERROR lines) where a newline forges a line.
  if (/[\u0001-\u001f\u007f]/.test(name)) return 'the name contains a control character';
  if (Buffer.byteLength(name) > 255) return 'the name is longer than 255 bytes';
  return undefined;
}

// ---- encoding (writer) ----

export interface HeaderFields { name: string; size: number; mtime: number; mode: number; typeflag: '0' | 'x' }

/** A ustar block; uid/gid 0 and empty uname/gname, since the receiver owns what it writes. */
export function encodeHeader(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  Buffer.from(fields.name).copy(block, 0, 0, 100); // longer names travel in a pax `path` record
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block.write(fields.typeflag, 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  block.write(`${checksumOf(block).unsigned.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

const writeOctal = (block: Buffer, offset: number, width: number, value: number): void => {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, 'latin1');
};

/** `<length> <key>=<value>\n` records, where length counts the whole record including itself. */
export function encodePaxRecords(records: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat(records.map(([key, value]) => {
    const rest = ` ${key}=${value}\n`;
    const restBytes = Buffer.byteLength(rest);
    let length = restBytes + 1;
    while (String(length).length + restBytes !== length) length += 1;
    return Buffer.from(`${length}${rest}`);
  }));
}

// ---- decoding (reader) ----

// Typeflags other than regular files, named for the error message.
const OTHER_TYPES: Record<string, string> = {
  '1': 'a hard link', '2': 'a symbolic link', '3': 'a character device', '4': 'a block device',
  '5': 'a directory', '6': 'a fifo', '7': 'a contiguous file', L: 'a GNU long-name header',
  K: 'a GNU long-link header', S: 'a GNU sparse file', V: 'a volume label', M: 'a multi-volume continuation',
};

/** Checks the block's checksum and format and classifies its type; pax records are applied later. */
export function decodeHeader(block: Buffer): RawHeader {
  const stored = parseNumeric(block.subarray(148, 156));
  const sums = checksumOf(block);
  if (stored === undefined || (stored !== sums.unsigned && stored !== sums.signed)) {
    throw badHeader('tar header checksum mismatch: not a tar stream, or a corrupted one');
  }
  const magic = block.toString('latin1', 257, 265);
  const posix = magic === 'ustar\u000000';
  // "ustar  \0" is GNU format: Python's tarfile default before 3.8, so older barman-cli sends it.
  if (!posix && magic !== 'ustar  \u0000') throw badHeader(`unknown tar header format (magic ${quote(magic)})`);
  const name = cString(block, 0, 100);
  const prefix = posix ? cString(block, 345, 155) : Buffer.alloc(0); // GNU keeps atime/ctime there
  const nameBytes = prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : name;
  const displayName = nameBytes.toString('utf8');
  const typeflag = String.fromCharCode(block[156]!);
  if (!['0', '\0', 'x', 'g'].includes(typeflag)) {
    const kind = OTHER_TYPES[typeflag] ?? `of type ${quote(typeflag)}`;
    throw new TarFormatError('TAR_NOT_REGULAR', `member ${quote(displayName)} is ${kind}; only regular files are accepted`,
      { member: displayName });
  }
  const numeric = (offset: number, width: number, field: string): number => {
    const value = parseNumeric(block.subarray(offset, offset + width));
    if (value === undefined) throw badHeader(`member ${quote(displayName)} has an invalid ${field} field`, displayName);
    return value;
  };
  return {
    nameBytes, displayName, typeflag,
    size: numeric(124, 12, 'size'), mode: numeric(100, 8, 'mode') & 0o7777, mtime: numeric(136, 12, 'mtime'),
  };
}

/** Parses an 'x' or 'g' body; a global path or size is refused since it would apply to every member. */
export function parsePaxRecords(body: Buffer, typeflag: string): PaxRecords {
  const records: PaxRecords = new Map();
  for (let offset = 0; offset < body.length;) {
    const space = body.indexOf(0x20, offset);
    const lengthText = space < 0 ? '' : body.toString('latin1', offset, space);
    const end = offset + Number(lengthText);
    if (!/^[1-9][0-9]{0,5}$/.test(lengthText) || end > body.length || body[end - 1] !== 0x0a) {
      throw badHeader(`malformed pax record at offset ${offset}`);
    }
    const record = decodeUtf8(body.subarray(space + 1, end - 1));
    const equals = record?.indexOf('=') ?? -1;
    if (record === undefined || equals < 1) throw badHeader(`malformed pax record at offset ${offset}`);
    records.set(record.slice(0, equals), record.slice(equals + 1));
    offset = end;
  }
  if (typeflag === 'g' && (records.has('path') || records.has('size'))) {
    throw badHeader('global pax header sets path or size, which would apply to every member');
  }
  return records;
}

/** The member as onMember sees it: pax overrides applied, name and size checked. */
export function resolveMember(raw: RawHeader, pax: PaxRecords | undefined, maxMemberSize: number): TarMemberHeader {
  const name = pax?.get('path') ?? decodeUtf8(raw.nameBytes);
  if (name === undefined) {
    throw new TarFormatError('TAR_UNSAFE_NAME', `member ${quote(raw.displayName)} refused: the name is not valid UTF-8`,
      { member: raw.displayName });
  }
  const reason = checkMemberName(name);
  if (reason !== undefined) throw new TarFormatError('TAR_UNSAFE_NAME', `member ${quote(name)} refused: ${reason}`, { member: name });
  // Sparse files (pax 0.x/1.0) look like regular files but their data is a map plus fragments.
  if ([...(pax?.keys() ?? [])].some((key) => key.startsWith('GNU.sparse.'))) {
    throw new TarFormatError('TAR_NOT_REGULAR', `member ${quote(name)} is a GNU sparse file; only regular files are accepted`,
      { member: name });
  }
  const size = paxNumber(pax, 'size', /^[0-9]+$/, name) ?? raw.size;
  if (size > maxMemberSize) {
    throw new TarFormatError('TAR_TOO_LARGE', `member ${quote(name)} is ${size} bytes, over the limit of ${maxMemberSize}`,
      { member: name });
  }
  const mtime = paxNumber(pax, 'mtime', /^-?[0-9]+(\.[0-9]+)?$/, name) ?? raw.mtime;
  return { name, size, mtime, mode: raw.mode, type: 'file' };
}

const paxNumber = (pax: PaxRecords | undefined, key: string, pattern: RegExp, member: string): number | undefined => {
  const text = pax?.get(key);
  if (text === undefined) return undefined;
  if (!pattern.test(text)) throw badHeader(`member ${quote(member)} has an invalid pax ${key} record`, member);
  return Number(text);
};

/** Octal (optionally space-padded, NUL/space-terminated) or GNU base-256 for values too big for octal. */
function parseNumeric(field: Buffer): number | undefined {
  const first = field[0] ?? 0;
  if ((first & 0x80) !== 0) {
    if (first !== 0x80) return undefined; // 0xff marks a negative number: no valid size or mode
    // Values past 2^53 lose precision here, but they are far beyond every limit and get refused.
    return field.subarray(1).reduce((value, byte) => value * 256 + byte, 0);
  }
  const match = /^ *([0-7]*)[ \0]*$/.exec(field.toString('latin1'));
  return match === null ? undefined : parseInt(match[1] || '0', 8);
}

/** Sum of the block's bytes with the checksum field read as spaces, both ways historic tars computed it. */
function checksumOf(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < BLOCK; index += 1) {
    const byte = index >= 148 && index < 156 ? 0x20 : block[index]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return { unsigned, signed };
}

const cString = (block: Buffer, offset: number, length: number): Buffer => {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return end < 0 ? field : field.subarray(0, end);
};

const decodeUtf8 = (bytes: Buffer): string | undefined => {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
};
