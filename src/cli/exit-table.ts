// Error → exit status, applied in one place: each command declares its table (the status belongs
// to the executable, not to the error: ssh failing is 3 for walship-archive, 2 for walship-restore),
// and reportError prints the `ERROR:` (and `HINT:`) lines and looks the status up.

import { WalshipError } from '../errors.js';
import type { CommandIO } from './io.js';

export type ErrorClass<E extends Error = Error> = abstract new (...args: never[]) => E;

/** A fixed status, or one read off the error (the remote's own status for RemoteCommandError). */
export type ExitRow = readonly [ErrorClass, number | ((error: never) => number)];

export interface ExitTable {
  /** First match wins, so a subclass goes before its base class. */
  readonly rows: readonly ExitRow[];
  /** For anything no row names: an unexpected exception. */
  readonly unexpected: number;
}

/** A row whose status is computed from the error it matched; the types tie the two together. */
export const exitRow = <E extends Error>(type: ErrorClass<E>, status: (error: E) => number): ExitRow => [type, status];

export function exitStatusFor(table: ExitTable, error: unknown): number {
  const row = table.rows.find(([type]) => error instanceof type);
  if (row === undefined) return table.unexpected;
  const [, status] = row;
  return typeof status === 'number' ? status : (status as (error: unknown) => number)(error);
}

/** Formats an error as the single `ERROR: ...` line (plus `HINT: ...` when the user can act). */
export function formatError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof WalshipError ? error.hint : undefined;
  return `ERROR: ${message}${hint ? `\nHINT: ${hint}` : ''}\n`;
}

/** Prints the error on stderr and returns the status the table gives it. */
export function reportError(io: Pick<CommandIO, 'stderr'>, table: ExitTable, error: unknown): number {
  io.stderr.write(formatError(error));
  return exitStatusFor(table, error);
}

/** Runs a command's body; a failure becomes its ERROR line and the table's status. */
export const guard = (io: Pick<CommandIO, 'stderr'>, table: ExitTable, body: () => Promise<number>): Promise<number> =>
  body().catch((error: unknown) => reportError(io, table, error));
