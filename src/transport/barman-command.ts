// Barman's remote command lines, as barman-cli sends them: the only place that knows the words of
// `barman ... put-wal` and `barman ... get-wal`, and of get-wal's two "cannot serve it" answers.
// The transport quotes each word (quote.ts).

import type { TransferFormat } from '../codec/transfer.js';

/** The program both clients run on the archive host: Barman, or walship-server's `barman` alias. */
export const barmanCommand = (args: readonly string[]): string[] => ['barman', ...args];

/** `barman [--config=CONFIG] put-wal SERVER [--test]` (barman-wal-archive joins --config with `=`). */
export const putWalArgs = (server: string, configPath: string | undefined, test = false): string[] => [
  ...(configPath === undefined ? [] : [`--config=${configPath}`]),
  'put-wal',
  server,
  ...(test ? ['--test'] : []),
];

/** What every get-wal call of one restore shares. */
export interface GetWalCall {
  config: string | undefined;
  format: TransferFormat;
  partial: boolean;
  serverName: string;
}

/** What a get-wal call asks for besides the options every call shares. */
export type GetWalMode = { fetch: string } | { peek: number; from: string } | { test: true };

/** `barman [--config CONFIG] get-wal [options] SERVER_NAME WAL_NAME` (barman-wal-restore's two words). */
export function getWalArgs(options: GetWalCall, mode: GetWalMode): string[] {
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

/**
 * get-wal's answers that mean "not available" (exit 1, Barman's exact words, without `ERROR: `).
 * walship-server prints them and walship-restore recognises them: they are the only answers
 * restore may pass on to PostgreSQL as exit 1, so both sides take the words from here.
 */
export const walNotFoundMessage = (walName: string, serverName: string): string => `WAL file '${walName}' not found in server '${serverName}'`;
export const unknownServerMessage = (serverName: string): string => `Unknown server '${serverName}'`;

/** `barman [--config=CONFIG] serve SERVER_NAME`: walship-server's session; real Barman refuses it (exit 2). */
export const serveArgs = (server: string, configPath: string | undefined): string[] => [
  ...(configPath === undefined ? [] : [`--config=${configPath}`]),
  'serve',
  server,
];
