// expire's log, `<backup_directory>/walship-expire.log`: a begin line with the decision, one line per
// removed file, an end line. Each line is written (write(2), O_APPEND) before the next unlink, so
// after a kill the log says what was removed; a begin without an end marks an interrupted run.

import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const EXPIRE_LOG_NAME = 'walship-expire.log';

export interface ExpireLog {
  readonly path: string;
  line(text: string): void;
  close(): void;
}

export function openExpireLog(backupDirectory: string, now: () => Date = () => new Date()): ExpireLog {
  const path = join(backupDirectory, EXPIRE_LOG_NAME);
  const fd = openSync(path, 'a', 0o644);
  return {
    path,
    line: (text) => void writeSync(fd, `${now().toISOString()} pid=${process.pid} ${text}\n`),
    close: () => closeSync(fd),
  };
}
