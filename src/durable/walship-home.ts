// Where walship keeps its per-user state on the PostgreSQL host when no directory is given:
// ~/.walship/spool (walship-restore -p), ~/.walship/batch (walship-archive --batch) and
// ~/.walship/staging (put-wal streams on their way to an s3:// bucket). A private
// place under the account's home replaces the shared /var/tmp defaults barman-cli uses, in which
// any local account can plant directories and symlinks first (issue 8).

import { userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * `~/.walship/<purpose>`, where `~` is the home in the password database (getpwuid of the
 * effective uid), not $HOME: restore_command and archive_command inherit PostgreSQL's environment,
 * which may carry another account's HOME (a server started with `su` without `-`, for example).
 * Throws when the account has no password-database entry.
 */
export const walshipStateDir = (purpose: 'spool' | 'batch' | 'staging'): string => join(userInfo().homedir, '.walship', purpose);
