// The agent's lanes to an s3:// target: --jobs put-wal streams, each over its own object-store
// transport (one client and keep-alive pool per lane, reused batch after batch), with no ssh master
// to start or stop. Each lane's transport writes to that lane's own stderr tail, so what the store
// and its retries said about a batch is that batch's status-file detail.

import { objectStoreTransport } from '../../object-store/transport.js';
import type { ParsedArchiveArgs } from '../options.js';
import type { Lane, StderrTail } from './lanes.js';

export function createObjectStoreLanes(args: ParsedArchiveArgs, env: NodeJS.ProcessEnv, createTail: () => StderrTail): Lane[] {
  return Array.from({ length: args.options.jobs }, (_, index): Lane => {
    const stderr = createTail();
    return { index, transport: objectStoreTransport(args.host, args.options, stderr, env), stderr, controlPath: undefined };
  });
}
