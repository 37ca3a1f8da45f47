// SHA256SUMS / MD5SUMS, the checksum member that closes a put-wal stream, and hashing while copying.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { ChecksumFormatError } from '../errors.js';
import { checkMemberName } from './tar-header.js';

export type ChecksumAlgorithm = 'sha256' | 'md5';

/** Member names: barman-cli 3.12+ sends SHA256SUMS, older clients (or --md5) MD5SUMS. */
export const CHECKSUM_FILE: Record<ChecksumAlgorithm, string> = { sha256: 'SHA256SUMS', md5: 'MD5SUMS' };

const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { sha256: 64, md5: 32 };

/** The algorithm a checksum member is written with, or undefined for any other member. */
export function checksumAlgorithmForMember(name: string): ChecksumAlgorithm | undefined {
  if (name === CHECKSUM_FILE.sha256) return 'sha256';
  if (name === CHECKSUM_FILE.md5) return 'md5';
  return undefined;
}

export interface ChecksumEntry { name: string; hex: string }

/**
 * `<hex> *<name>\n` per entry, the binary-mode form barman-cli writes (captured:
 * `668a848d97e5ae8348e98de7c46efc42 *000000010000000000000001`) and `sha256sum -c` accepts.
 */
export function formatChecksumLines(entries: readonly ChecksumEntry[]): string {
  return entries.map(({ name, hex }) => {
    const reason = checkMemberName(name);
    if (reason !== undefined) throw new ChecksumFormatError(`cannot list ${JSON.stringify(name)}: ${reason}`, { member: name });
    if (!/^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/.test(hex)) {
      throw new ChecksumFormatError(`cannot list ${JSON.stringify(name)}: ${JSON.stringify(hex)} is not an md5 or sha256 digest`,
        { member: name });
    }
    return `${hex.toLowerCase()} *${name}\n`;
  }).join('');
}

/**
 * Parses a checksum member into name → lower-case hex. Each line is `<hex><space><space|*><name>`
 * (text or binary marker, as sha256sum writes them); the final newline is optional. Refuses
 * malformed lines, wrong digest lengths, unsafe names and duplicates: the server checks every
 * member against this map, so an ambiguous file must not be guessed at.
 */
export function parseChecksumFile(text: string, algorithm: ChecksumAlgorithm): Map<string, string> {
  const file = CHECKSUM_FILE[algorithm];
  const sums = new Map<string, string>();
  if (text === '') return sums;
  const pattern = new RegExp(`^([0-9a-fA-F]{${HEX_LENGTH[algorithm]}}) [ *](.*)$`);
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  lines.forEach((line, index) => {
    const where = { line: index + 1 };
    const match = pattern.exec(line);
    if (match === null) {
      throw new ChecksumFormatError(
        `line ${index + 1} of ${file} is not "<${HEX_LENGTH[algorithm]} hex digits> <name>": ${JSON.stringify(line.slice(0, 100))}`,
        where);
    }
    const hex = match[1]!;
    const name = match[2]!;
    const reason = checkMemberName(name);
    if (reason !== undefined) {
      throw new ChecksumFormatError(`line ${index + 1} of ${file} lists ${JSON.stringify(name)}: ${reason}`, { ...where, member: name });
    }
    if (sums.has(name)) {
      throw new ChecksumFormatError(`line ${index + 1} of ${file} lists ${JSON.stringify(name)} a second time`, { ...where, member: name });
    }
    sums.set(name, hex.toLowerCase());
  });
  return sums;
}

export interface HashingPassThrough<A extends ChecksumAlgorithm> extends Transform {
  /** Lower-case hex digests of every byte that passed; throws if the writable side has not ended. */
  digests(): Record<A, string>;
}

/** A pipeline stage that hashes bytes on their way through, so nothing is read twice. */
export function createHashingPassThrough<A extends ChecksumAlgorithm>(algorithms: readonly A[]): HashingPassThrough<A> {
  const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  let result: Record<A, string> | undefined;
  const stage = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const [, hash] of hashes) hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      result = Object.fromEntries(hashes.map(([algorithm, hash]) => [algorithm, hash.digest('hex')])) as Record<A, string>;
      done();
    },
  });
  return Object.assign(stage, {
    digests(): Record<A, string> {
      if (result === undefined) throw new Error('digests() called before the stream ended');
      return result;
    },
  });
}

/** Hex digest and size of a whole file, read once. */
export async function hashFile(path: string, algorithm: ChecksumAlgorithm): Promise<{ hex: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { hex: hash.digest('hex'), size };
}
