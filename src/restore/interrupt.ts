// Removes our temp files when PostgreSQL stops us: at shutdown it sends SIGTERM to the whole
// restore_command process group. After cleanup the signal is raised again, so PostgreSQL still
// sees a restore_command that died by SIGTERM (its cue that the server is shutting down).

import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempOwnerPid } from '../durable/durable-write.js';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Synchronously deletes every temp file this process wrote in `dirs`. */
export function removeOwnTemps(dirs: readonly string[]): void {
  for (const dir of dirs) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (tempOwnerPid(entry) !== process.pid) continue;
      try {
        unlinkSync(join(dir, entry));
      } catch {
        // already gone
      }
    }
  }
}

/** Installs the handlers; `dirs()` is read at signal time so later directories count too. */
export function cleanupTempsOnSignal(dirs: () => readonly string[]): void {
  const handler = (signal: NodeJS.Signals): void => {
    removeOwnTemps(dirs());
    for (const each of SIGNALS) process.removeAllListeners(each);
    process.kill(process.pid, signal);
  };
  for (const signal of SIGNALS) process.once(signal, handler);
}
