// Names one archive host and server on the PostgreSQL host: the namespace directory of the restore
// spool and of the archive batch records, one per ssh user, host, port, configuration and server
// (or, with the local transport, per configuration and server: no user or host is involved), so
// clusters shipping to different servers never see each other's files.

import { createHash } from 'node:crypto';
import { join } from 'node:path';

export interface ArchiveHostKey {
  user: string;
  barmanHost: string;
  port: number | undefined;
  config: string | undefined;
  serverName: string;
  /** 'local' (--transport local): the archive is this host's, reached without ssh. Default ssh. */
  transport?: 'ssh' | 'local';
}

/** The first 8 hex digits of sha256(text): tells paths apart in a name without spelling them out. */
export const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);

/** Percent-encodes all but [A-Za-z0-9_-] (and a leading dot), so no key can climb out or collide. */
const encodePart = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('').replace(/^\./, '%2E');

/**
 * e.g. `barman@backup%2Eexample_22/pg`, with -c `barman@backup%2Eexample/pg+1a2b3c4d`, and with the
 * local transport `local/pg+1a2b3c4d` (its BARMAN_HOST and user are never used, so they name nothing).
 */
export function archiveHostNamespace(key: ArchiveHostKey): string {
  const host = key.transport === 'local' ? 'local' : `${encodePart(key.user)}@${encodePart(key.barmanHost)}${key.port === undefined ? '' : `_${key.port}`}`;
  const config = key.config === undefined ? '' : `+${shortHash(key.config)}`;
  return join(host, `${encodePart(key.serverName)}${config}`);
}
