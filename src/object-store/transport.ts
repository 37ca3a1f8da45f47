// The bucket an s3:// target names, reached like an archive host: a Transport whose far end is
// walship's own put-wal / get-wal answering in this process against the store (server.ts). Every
// client path that speaks Barman's wire — --batch, the async agents, the prefetch worker — then
// drives object storage with its own acknowledgement, retry and exit-status rules unchanged.
// One client (one keep-alive connection pool) per transport, opened on the first command.

import type { Writable } from 'node:stream';
import { localTransport } from '../transport/local.js';
import type { Transport } from '../transport/transport.js';
import type { ObjectStoreFlags } from './flags.js';
import type { OpenedStore } from './options.js';

export function objectStoreTransport(target: string, flags: ObjectStoreFlags, stderr: Writable, env: NodeJS.ProcessEnv): Transport {
  let opened: Promise<OpenedStore> | undefined;
  const open = (): Promise<OpenedStore> =>
    (opened ??= import('./options.js').then(({ openObjectStore }) => openObjectStore(target, flags, env, (line) => void stderr.write(`${line}\n`))));
  const loadServer = async () => {
    const [store, { objectStoreServer }] = await Promise.all([open(), import('./server.js')]);
    return objectStoreServer(store);
  };
  const base = localTransport(stderr, env, loadServer, { label: target, failure: `object store ${target}` });
  return {
    ...base,
    async close() {
      const store = await opened?.catch(() => undefined);
      store?.store.close();
    },
  };
}
