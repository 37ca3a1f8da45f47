// The agent's lanes to an s3:// target: --jobs put-wal streams over ONE object-store transport, so
// every lane's PUTs share one client and its keep-alive pool (16 sockets: --jobs' maximum, and each
// stream keeps a few PUTs in flight, put-stream.ts), and there is no ssh master to start or stop.
// The shared transport has one stderr, yet what its far end and its retries say belongs to the lane
// whose command said it (that lane's status-file detail): each lane runs its commands inside an
// AsyncLocalStorage context, and the shared stderr hands every line to the context it came from.

import { AsyncLocalStorage } from 'node:async_hooks';
import { Writable } from 'node:stream';
import { objectStoreTransport } from '../../object-store/transport.js';
import type { Transport } from '../../transport/transport.js';
import type { ParsedArchiveArgs } from '../options.js';
import type { Lane, StderrTail } from './lanes.js';

export function createObjectStoreLanes(args: ParsedArchiveArgs, env: NodeJS.ProcessEnv, createTail: () => StderrTail): Lane[] {
  const speaking = new AsyncLocalStorage<Writable>();
  const routed = new Writable({
    write(chunk: Buffer, _encoding, done) {
      // Called synchronously from the writer's own continuation, so the store is the writer's lane.
      speaking.getStore()?.write(chunk);
      done();
    },
  });
  const shared = objectStoreTransport(args.host, args.options, routed, env);
  let closing: Promise<void> | undefined;
  return Array.from({ length: args.options.jobs }, (_, index): Lane => {
    const stderr = createTail();
    const transport: Transport = {
      label: shared.label,
      run: (remoteArgs, options) => speaking.run(stderr, () => shared.run(remoteArgs, options)),
      // Every lane closes its transport on exit; the shared pool is closed once.
      close: () => (closing ??= shared.close()),
    };
    return { index, transport, stderr, controlPath: undefined };
  });
}
