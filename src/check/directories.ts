// Are the server's directories there, ours and writable? check runs as the account put-wal runs as
// (the ssh user), so "ours" means owned by this process's user; as root ownership is not judged.

import { accessSync, constants, statSync } from 'node:fs';
import type { ServerConfig } from '../config/barman-config.js';
import type { Status } from '../cli/nagios.js';
import { errnoCode } from '../errors.js';
import type { Finding } from './report.js';

interface Wanted {
  label: string;
  path: string;
  /** Missing is a failure; otherwise the directory is created on demand (errors/) or is Barman's (wals/). */
  required: boolean;
}

const wanted = (server: ServerConfig): Wanted[] => [
  { label: 'backup_directory', path: server.backupDirectory, required: true },
  { label: 'incoming_wals_directory', path: server.incomingWalsDirectory, required: true },
  { label: 'wals_directory', path: server.walsDirectory, required: false },
  { label: 'errors_directory', path: server.errorsDirectory, required: false },
];

/** The problem with one directory, or undefined when it is fine (or absent and optional). */
function problemWith(dir: Wanted, uid: number | undefined): { status: Status; text: string } | undefined {
  let info;
  try {
    info = statSync(dir.path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return dir.required ? { status: 'critical', text: `${dir.label} ${dir.path} does not exist` } : undefined;
    return { status: 'critical', text: `${dir.label} ${dir.path}: ${(error as Error).message}` };
  }
  if (!info.isDirectory()) return { status: 'critical', text: `${dir.label} ${dir.path} is not a directory` };
  if (uid !== undefined && uid !== 0 && info.uid !== uid) return { status: 'warning', text: `${dir.label} ${dir.path} is owned by uid ${info.uid}, not by this user (uid ${uid})` };
  try {
    accessSync(dir.path, constants.W_OK | constants.X_OK);
  } catch {
    return { status: 'critical', text: `${dir.label} ${dir.path} is not writable by this user` };
  }
  return undefined;
}

export function checkDirectories(server: ServerConfig, uid = process.getuid?.()): Finding {
  const problems = wanted(server).flatMap((dir) => {
    const problem = problemWith(dir, uid);
    return problem === undefined ? [] : [problem];
  });
  if (problems.length === 0) return { part: 'directories', status: 'ok', message: 'present, owned and writable' };
  const status = problems.some((p) => p.status === 'critical') ? 'critical' : 'warning';
  return { part: 'directories', status, message: problems.map((p) => p.text).join('; ') };
}
