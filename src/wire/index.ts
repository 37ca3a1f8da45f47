// Public API of the put-wal wire format: tar stream and checksum member, shared by client and server.
export { ChecksumFormatError, TarFormatError } from '../errors.js';
export type { ChecksumErrorCode, TarErrorCode, WireErrorOptions } from '../errors.js';
export { packTar } from './tar-writer.js';
export type { TarMemberSource } from './tar-writer.js';
export { DEFAULT_TAR_LIMITS, checkMemberName, readTar } from './tar-reader.js';
export type { TarLimits, TarMemberHeader } from './tar-reader.js';
export {
  CHECKSUM_FILE, checksumAlgorithmForMember, createHashingPassThrough, formatChecksumLines, parseChecksumFile,
} from './checksums.js';
export type { ChecksumAlgorithm, ChecksumEntry, HashingPassThrough } from './checksums.js';
