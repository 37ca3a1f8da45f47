// The remote get-wal command as an argument vector, and the transport that runs it.

import type { Writable } from 'node:stream';
import { createTransport as selectTransport } from '../transport/select.js';
import type { Transport } from '../transport/transport.js';
import type { RestoreOptions } from './args.js';

/** What a get-wal call asks for besides the options every call shares. */
export type GetWalMode = { fetch: string } | { peek: number; from: string } | { test: true };

/** `barman [--config CONFIG] get-wal [options] SERVER_NAME WAL_NAME`; the transport quotes each word. */
export function getWalArgs(options: Pick<RestoreOptions, 'config' | 'format' | 'partial' | 'serverName'>, mode: GetWalMode): string[] {
  const args = options.config === undefined ? [] : ['--config', options.config];
  args.push('get-wal');
  if ('test' in mode) return [...args, '--test', options.serverName, 'dummy_wal_name'];
  if ('peek' in mode) args.push('--peek', String(mode.peek));
  else if (options.format === 'gzip') args.push('--gzip');
  else if (options.format === 'bzip2') args.push('--bzip2');
  else if (options.format === 'keep') args.push('--keep-compression');
  if (options.partial) args.push('--partial');
  args.push(options.serverName, 'peek' in mode ? mode.from : mode.fetch);
  return args;
}

/** The transport the options ask for (OpenSSH, or in-process with --transport local). */
export function createTransport(
  options: Pick<RestoreOptions, 'transport' | 'barmanHost' | 'user' | 'port' | 'reuseConnection'>,
  stderr: Writable,
  env: NodeJS.ProcessEnv,
): Transport {
  return selectTransport({
    kind: options.transport,
    host: options.barmanHost,
    user: options.user,
    stderr,
    env,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.reuseConnection === undefined ? {} : { reuseSeconds: options.reuseConnection }),
  });
}
