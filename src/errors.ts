// The catalogue of walship's typed failures, every error class in one place; each executable maps
// them to its exit status in its own table (src/cli/exit-table.ts applies it).

export interface WalshipErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
}

/** Base class: a message for the `ERROR:` line, a stable code, and an optional `HINT:`. */
export class WalshipError extends Error {
  readonly code: string = 'WALSHIP';
  readonly hint: string | undefined;

  constructor(message: string, options: WalshipErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Bad command line: unknown flag, missing argument, malformed value. */
export class UsageError extends WalshipError {
  override readonly name = 'UsageError';
  override readonly code = 'USAGE';
}

/** A name that is not a WAL file name (SPEC §3); nothing built from it reaches a path or a shell. */
export class InvalidWalNameError extends WalshipError {
  override readonly name = 'InvalidWalNameError';
  override readonly code = 'INVALID_WAL_NAME';
}

/** A server name outside [A-Za-z0-9_.-] or not configured on the archive host. */
export class InvalidServerNameError extends WalshipError {
  override readonly name = 'InvalidServerNameError';
  override readonly code = 'INVALID_SERVER_NAME';
}

export class UnknownServerError extends WalshipError {
  override readonly name = 'UnknownServerError';
  override readonly code = 'UNKNOWN_SERVER';
}

/** The server section exists but `active = off` (or archiver disabled). */
export class ServerInactiveError extends WalshipError {
  override readonly name = 'ServerInactiveError';
  override readonly code = 'SERVER_INACTIVE';
}

/** The Barman configuration is missing or malformed. */
export class ConfigError extends WalshipError {
  override readonly name = 'ConfigError';
  override readonly code = 'CONFIG';
}

/** put-wal's incoming directory cannot be created or written by the ssh user. */
export class IncomingUnusableError extends WalshipError {
  override readonly name = 'IncomingUnusableError';
  override readonly code = 'INCOMING_UNUSABLE';
}

/** A local input file (WAL_PATH) is missing, a directory or unreadable. */
export class LocalFileError extends WalshipError {
  override readonly name = 'LocalFileError';
  override readonly code = 'LOCAL_FILE';
}

/** ssh itself failed (OpenSSH exit 255, or the in-process client could not connect). */
export class SshConnectError extends WalshipError {
  override readonly name = 'SshConnectError';
  override readonly code = 'SSH_CONNECT';
}

/** The remote command ran and answered with a non-zero status. */
export class RemoteCommandError extends WalshipError {
  override readonly name = 'RemoteCommandError';
  override readonly code = 'REMOTE_FAILED';
  constructor(
    message: string,
    readonly status: number,
    options: WalshipErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** WAL_DEST cannot receive a file: a directory, a missing parent, not writable. */
export class DestinationUnusableError extends WalshipError {
  override readonly name = 'DestinationUnusableError';
  override readonly code = 'DEST_UNUSABLE';
}

/** Received bytes do not match the checksum the sender declared. */
export class ChecksumMismatchError extends WalshipError {
  override readonly name = 'ChecksumMismatchError';
  override readonly code = 'CHECKSUM_MISMATCH';
}

/** A compressed stream could not be decoded, or its format is not supported. */
export class CompressionError extends WalshipError {
  override readonly name = 'CompressionError';
  override readonly code = 'COMPRESSION';
}

/** A file claims to be a WAL segment but its page header says otherwise. */
export class InvalidSegmentError extends WalshipError {
  // Typed string, not the literal, so ForeignSegmentError can name itself.
  override readonly name: string = 'InvalidSegmentError';
  override readonly code: string = 'INVALID_SEGMENT';
}

/**
 * A well-formed segment of another cluster (SPEC §7): its system identifier is not the one expected.
 * A subclass, so every exit table that refuses an invalid segment refuses this one the same way.
 */
export class ForeignSegmentError extends InvalidSegmentError {
  override readonly name = 'ForeignSegmentError';
  override readonly code = 'FOREIGN_SEGMENT';
}

/** The 9.2/9.3 WAL safe dir is missing, not a plain directory, not ours, or not mode 0700. */
export class SafeDirUnusableError extends WalshipError {
  override readonly name = 'SafeDirUnusableError';
  override readonly code = 'SAFE_DIR_UNUSABLE';
}

/**
 * An async-state slot (`pg_wal/.walship/<role>`) that is a symlink, not a directory, not ours, open
 * to others or of another layout version: never used, so nothing planted there is believed.
 */
export class AgentSlotUnusableError extends WalshipError {
  override readonly name = 'AgentSlotUnusableError';
  override readonly code = 'AGENT_SLOT_UNUSABLE';
}

/**
 * A spool or --batch records directory walship will not use (issue 8, D1): a symlink, not ours,
 * writable by others, or under an ancestor another account controls. Callers fall back to working
 * without it; `path` is the level that broke the rule.
 */
export class UnsafeDirectoryError extends WalshipError {
  override readonly name = 'UnsafeDirectoryError';
  override readonly code = 'UNSAFE_DIRECTORY';
  constructor(
    readonly path: string,
    reason: string,
    options: WalshipErrorOptions = {},
  ) {
    super(`directory ${path} ${reason}`, options);
  }
}

/** Wire-format codes (a peer's tar stream or checksum file): callers branch on these, never on text. */
export type TarErrorCode =
  | 'TAR_TRUNCATED' // input ended inside a header or data, or before the end-of-archive blocks
  | 'TAR_BAD_HEADER' // checksum mismatch, unknown magic, malformed number or pax record
  | 'TAR_UNSAFE_NAME' // a name that is not one plain basename
  | 'TAR_NOT_REGULAR' // link, device, fifo, directory, sparse file, GNU long-name header…
  | 'TAR_TOO_LARGE' // a member, a pax header or the whole stream over its limit
  | 'TAR_TOO_MANY_MEMBERS'
  | 'TAR_SIZE_MISMATCH'; // writer side: a source produced more or fewer bytes than declared

export type ChecksumErrorCode = 'CHECKSUM_BAD_LINE';

export interface WireErrorOptions extends WalshipErrorOptions {
  /** The tar member (or checksum entry) concerned, when there is one. */
  member?: string;
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

/** Reads `code` off a Node system error (ENOENT, EEXIST, ...), if it has one. */
export const errnoCode = (value: unknown): string | undefined =>
  value instanceof Error && typeof (value as NodeJS.ErrnoException).code === 'string'
    ? (value as NodeJS.ErrnoException).code
    : undefined;

/**
 * expire will not remove anything: no base backup label to keep from, a separate archiver (Barman)
 * owns retention for this server, or another expire holds the server's lock.
 */
export class ExpireRefusedError extends WalshipError {
  override readonly name = 'ExpireRefusedError';
  override readonly code = 'EXPIRE_REFUSED';
}

/**
 * The object store answered with an error, or could not be reached after the retries. `status` is
 * the HTTP status (undefined: no answer at all); `storeCode` is S3's <Code> (NoSuchBucket, ...).
 */
export class ObjectStoreError extends WalshipError {
  override readonly name = 'ObjectStoreError';
  override readonly code = 'OBJECT_STORE';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly storeCode: string | undefined,
    options: WalshipErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** No usable object-store credentials, endpoint or CA file: nothing was sent. */
export class ObjectStoreConfigError extends WalshipError {
  override readonly name = 'ObjectStoreConfigError';
  override readonly code = 'OBJECT_STORE_CONFIG';
}
