// errnos that mean "the destination cannot take this file" (a missing or read-only directory, no
// permission, a full disk or quota, a directory in the way), as opposed to a failure of the source.
// get-wal -o DIR and walship-restore's WAL_DEST both answer these with DestinationUnusableError.

export const DESTINATION_ERRNOS: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EISDIR']);
