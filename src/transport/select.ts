// Builds the transport a client asked for: OpenSSH (default) or the in-process local transport. The
// local transport runs walship-server's entry point, which the client passes in: the transport
// layer never imports the server.

import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { ObjectStoreFlags } from '../object-store/flags.js';
import { isObjectStoreUrl } from '../object-store/target.js';
import { objectStoreTransport } from '../object-store/transport.js';
import { localTransport, type ServerEntry } from './local.js';
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
  /** Loads walship-server's entry point; called only when a local transport runs a command. */
  localServer: () => Promise<ServerEntry>;
  /** Where an s3:// host's store answers (--endpoint-url, --ca-file). */
  objectStore?: ObjectStoreFlags;
}

export function parseTransportKind(value: string): TransportKind {
  if (value === 'ssh' || value === 'local') return value;
  throw new UsageError(`--transport must be 'ssh' or 'local', not ${JSON.stringify(value)}`);
}

export function createTransport(choice: TransportChoice): Transport {
  if (isObjectStoreUrl(choice.host)) {
    if (choice.kind === 'local') throw new UsageError('--transport local cannot be used with an s3:// target');
    return objectStoreTransport(choice.host, choice.objectStore ?? {}, choice.stderr, choice.env);
  }
  if (choice.kind === 'local') return localTransport(choice.stderr, choice.env, choice.localServer);
  return openSshTransport({
    host: choice.host,
    user: choice.user,
    stderr: choice.stderr,
    ...(choice.port === undefined ? {} : { port: choice.port }),
    ...(choice.reuseSeconds ? { reuseSeconds: choice.reuseSeconds } : {}),
  });
}

/** The same choice in walship-restore's option names (which its prefetch worker's job repeats). */
export interface RestoreTransportOptions extends ObjectStoreFlags {
  transport: TransportKind;
  barmanHost: string;
  user: string;
  port: number | undefined;
  reuseConnection: number | undefined;
}

export function transportFromOptions(
  options: RestoreTransportOptions,
  stderr: Writable,
  env: NodeJS.ProcessEnv,
  localServer: () => Promise<ServerEntry>,
): Transport {
  return createTransport({
    kind: options.transport,
    host: options.barmanHost,
    user: options.user,
    stderr,
    env,
    localServer,
    objectStore: { endpointUrl: options.endpointUrl, caFile: options.caFile },
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.reuseConnection === undefined ? {} : { reuseSeconds: options.reuseConnection }),
  });
}
