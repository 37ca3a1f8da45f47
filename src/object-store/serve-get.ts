// get-wal against the bucket (not built yet).
import type { OpenedStore } from './options.js';
import type { ServerIO } from './server.js';

export async function serveGetWal(_opened: OpenedStore, _args: readonly string[], io: ServerIO): Promise<number> {
  io.stderr.write('ERROR: get-wal from an s3:// target is not built yet\n');
  return 2;
}
