// Names one archive host and server on the PostgreSQL host: the namespace directory of the restore
// spool and of the archive batch records, one per ssh user, host, port, configuration and server,
// so clusters shipping to different servers never see each other's files.

import { createHash } from 'node:crypto';
import { join } from 'node:path';

export interface ArchiveHostKey {
  user: string;
  barmanHost: string;
  port: number | undefined;
  config: string | undefined;
  serverName: string;
}

/** Percent-encodes all but [A-Za-z0-9_-] (and a leading dot), so no key can climb out or collide. */
const encodePart = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('').replace(/^\./, '%2E');

/** e.g. `barman@backup.example_22/pg` or, with -c, `barman@backup.example/pg+1a2b3c4d`. */
export function archiveHostNamespace(key: ArchiveHostKey): string {
  const host = `${encodePart(key.user)}@${encodePart(key.barmanHost)}${key.port === undefined ? '' : `_${key.port}`}`;
  const config = key.config === undefined ? '' : `+${createHash('sha256').update(key.config).digest('hex').slice(0, 8)}`;
  return join(host, `${encodePart(key.serverName)}${config}`);
}
