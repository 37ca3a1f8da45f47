// The bucket an s3:// target names, reached like an archive host: a Transport whose far end is
// walship's own put-wal / get-wal answering in this process against the store (server.ts). Every
// client path that speaks Barman's wire — --batch, the async agents, the prefetch worker — then
// drives object storage with its own acknowledgement, retry and exit-status rules unchanged.
// One client (one keep-alive connection pool) per transport, opened on the first command.

import type { Writable } from 'node:stream';
import { ObjectStoreConfigError } from '../errors.js';
import { localTransport, type ServerEntry } from '../transport/local.js';
import type { Transport } from '../transport/transport.js';
import type { ObjectStoreFlags } from './flags.js';
import type { OpenedStore } from './options.js';

export function objectStoreTransport(target: string, flags: ObjectStoreFlags, stderr: Writable, env: NodeJS.ProcessEnv): Transport {
  let opened: Promise<OpenedStore> | undefined;
  const open = (): Promise<OpenedStore> =>
    (opened ??= import('./options.js').then(({ openObjectStore }) => openObjectStore(target, flags, env, (line) => void stderr.write(`${line}\n`))));
  const loadServer = async (): Promise<ServerEntry> => {
    const server = await import('./server.js');
    try {
      return server.objectStoreServer(await open());
    } catch (error) {
      // Opened again by the next command: a long-lived agent recovers once the DBA fixed the file.
      opened = undefined;
      // No credentials, a CA file that is no PEM, a bad endpoint: the far end's own ERROR and 2 (as
      // on the sync path), not "could not reach the archive host".
      if (error instanceof ObjectStoreConfigError) return server.refusingServer(error);
      throw error;
    }
  };
  const base = localTransport(stderr, env, loadServer, { label: target, failure: `object store ${target}` });
  return {
    ...base,
    async close() {
      // Ends the requests in flight (ObjectStore.close aborts them); a command run after this opens a new client.
      const closing = opened;
      opened = undefined;
      const store = await closing?.catch(() => undefined);
      store?.store.close();
    },
  };
}
