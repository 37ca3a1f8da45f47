// `notify`: Barman's post_archive_retry_script. Reads the hook environment, then asks the
// PostgreSQL host over ssh to create the marker for the segment Barman has just archived.

import type { CommandIO } from '../cli/io.js';
import { parseNumber } from '../cli/number-option.js';
import { UsageError } from '../errors.js';
import { validateSshTarget } from '../transport/openssh.js';
import { planNotify, type NotifyPlan } from './barman-env.js';
import { runRemoteMark, type RemoteMarkOptions } from './remote-mark.js';

/** Flags as given; each falls back to its WALSHIP_SAFE_DIR_* variable, then to the default. */
export interface NotifyFlags {
  host?: string;
  user?: string;
  port?: string;
  dir?: string;
  remoteCommand?: string;
  connectTimeout?: string;
}

export const DEFAULT_SSH_USER = 'postgres';
export const DEFAULT_REMOTE_COMMAND = 'walship-safe-dir';
/** Long enough for a slow network, short enough that Barman's retry loop moves on. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

/** Flags and variables alike: a malformed number is a usage error naming what it was for. */
const positiveInteger = (text: string, what: string, max: number): number => {
  const value = parseNumber(text, { min: 1, max });
  if (value === undefined) throw new UsageError(`invalid ${what} ${JSON.stringify(text)}`);
  return value;
};

export function resolveNotifyOptions(flags: NotifyFlags, env: NodeJS.ProcessEnv): RemoteMarkOptions {
  const host = flags.host ?? env['WALSHIP_SAFE_DIR_HOST'];
  if (host === undefined || host === '') {
    throw new UsageError('no PostgreSQL host given', { hint: 'pass --host HOST or set WALSHIP_SAFE_DIR_HOST' });
  }
  const user = flags.user ?? env['WALSHIP_SAFE_DIR_USER'] ?? DEFAULT_SSH_USER;
  const portText = flags.port ?? env['WALSHIP_SAFE_DIR_PORT'];
  const port = portText === undefined ? undefined : positiveInteger(portText, 'ssh port', 65535);
  const timeoutText = flags.connectTimeout ?? env['WALSHIP_SAFE_DIR_CONNECT_TIMEOUT'];
  const connectTimeoutSeconds = timeoutText === undefined ? DEFAULT_CONNECT_TIMEOUT_SECONDS : positiveInteger(timeoutText, 'connect timeout', 3600);
  try {
    validateSshTarget(host, user, port);
  } catch (error) {
    throw new UsageError(`invalid ssh target ${JSON.stringify(`${user}@${host}`)}`, { cause: error });
  }
  const remoteCommand = flags.remoteCommand ?? env['WALSHIP_SAFE_DIR_REMOTE_COMMAND'] ?? DEFAULT_REMOTE_COMMAND;
  if (remoteCommand === '') throw new UsageError('empty --remote-command');
  const remoteDir = flags.dir ?? env['WALSHIP_SAFE_DIR'];
  return { target: { host, user, port, connectTimeoutSeconds }, remoteCommand, remoteDir: remoteDir === '' ? undefined : remoteDir };
}

export type NotifyOutcome = Exclude<NotifyPlan, { action: 'mark' }> | { action: 'marked'; name: string; where: string };

/**
 * The hook's flow: decide from the environment first (an invalid BARMAN_SEGMENT is answered before
 * any configuration is read or any process started), then resolve the target, then run ssh.
 */
export async function notify(flags: NotifyFlags, io: CommandIO): Promise<NotifyOutcome> {
  const plan = planNotify(io.env);
  if (plan.action !== 'mark') return plan;
  const options = resolveNotifyOptions(flags, io.env);
  for (const note of plan.notes) io.stderr.write(`${note}\n`);
  await runRemoteMark(options, plan.wal, io);
  return { action: 'marked', name: plan.wal.name, where: `${options.target.user}@${options.target.host}` };
}
