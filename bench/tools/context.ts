// What every tool factory needs: the sshd alias, the accounts, and the archives' locations.

import type { BarmanConfig } from '../../test/helpers/barman.js';
import type { SystemUser } from '../../test/helpers/users.js';

export const SERVER = 'bench';

export interface ToolContext {
  work: string;
  /** ssh Host alias of the tests' sshd (valid for the PostgreSQL user). */
  sshHost: string;
  pgUser: SystemUser;
  archiveUser: SystemUser;
  barmanUser: SystemUser;
  /** walship-server's archive (archive user) and Debian barman's (barman user); same format. */
  walshipCfg: BarmanConfig;
  barmanCfg: BarmanConfig;
  /** The floors' archive: plain files by name, owned by the PostgreSQL user. */
  floorDir: string;
}

/** POSIX sh single quotes, for paths inside a command string. */
export const shq = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
