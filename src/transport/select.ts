// Builds the transport a client asked for: OpenSSH (default) or the in-process local transport.

import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { localTransport } from './local.js';
import { openSshTransport } from './openssh.js';
import type { Transport } from './transport.js';

export type TransportKind = 'ssh' | 'local';

export interface TransportChoice {
  kind: TransportKind;
  host: string;
  user: string;
  port?: number;
  /** ControlPersist seconds for OpenSSH connection reuse; 0 or undefined: one connection per call. */
  reuseSeconds?: number;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

export function parseTransportKind(value: string): TransportKind {
  if (value === 'ssh' || value === 'local') return value;
  throw new UsageError(`--transport must be 'ssh' or 'local', not ${JSON.stringify(value)}`);
}

export function createTransport(choice: TransportChoice): Transport {
  if (choice.kind === 'local') {
    return localTransport(choice.stderr, choice.env, async () => (await import('../server/cli.js')).serverMain);
  }
  return openSshTransport({
    host: choice.host,
    user: choice.user,
    stderr: choice.stderr,
    ...(choice.port === undefined ? {} : { port: choice.port }),
    ...(choice.reuseSeconds ? { reuseSeconds: choice.reuseSeconds } : {}),
  });
}
