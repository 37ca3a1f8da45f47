// Typed errors for the wire format: a peer's tar stream or checksum file that walship refuses.

import { WalshipError } from '../errors.js';

/** Stable codes: callers branch on these, never on message text. */
export type TarErrorCode =
  | 'TAR_TRUNCATED' // input ended inside a header or data, or before the end-of-archive blocks
  | 'TAR_BAD_HEADER' // checksum mismatch, unknown magic, malformed number or pax record
  | 'TAR_UNSAFE_NAME' // a name that is not one plain basename
  | 'TAR_NOT_REGULAR' // link, device, fifo, directory, sparse file, GNU long-name header…
  | 'TAR_TOO_LARGE' // a member, a pax header or the whole stream over its limit
  | 'TAR_TOO_MANY_MEMBERS'
  | 'TAR_SIZE_MISMATCH'; // writer side: a source produced more or fewer bytes than declared

export type ChecksumErrorCode = 'CHECKSUM_BAD_LINE';

export interface WireErrorOptions {
  /** The tar member (or checksum entry) concerned, when there is one. */
  member?: string;
  /** A sentence telling the user what they can do about it. */
  hint?: string;
  cause?: unknown;
}

/** Wire failures are WalshipErrors, so every cli prints them (and their hint) the same way. */
abstract class WireError<Code extends string> extends WalshipError {
  override readonly code: Code;
  readonly member: string | undefined;

  constructor(code: Code, message: string, options: WireErrorOptions) {
    super(message, { hint: options.hint, cause: options.cause });
    this.code = code;
    this.member = options.member;
  }
}

/** A tar stream walship will not read (reader) or must not write (writer). */
export class TarFormatError extends WireError<TarErrorCode> {
  override readonly name = 'TarFormatError';

  constructor(code: TarErrorCode, message: string, options: WireErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A SHA256SUMS / MD5SUMS line that is not `<hex><space><space|*><name>`, or an unusable entry. */
export class ChecksumFormatError extends WireError<ChecksumErrorCode> {
  override readonly name = 'ChecksumFormatError';
  /** 1-based line number in the checksum file, when parsing one. */
  readonly line: number | undefined;

  constructor(message: string, options: WireErrorOptions & { line?: number } = {}) {
    super('CHECKSUM_BAD_LINE', message, options);
    this.line = options.line;
  }
}
