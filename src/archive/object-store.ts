// walship-archive with an s3:// target: one WAL file straight into the bucket, in barman-cloud's
// layout, with put-wal's guarantees (src/object-store/put-wal.ts). Loaded only for s3:// targets.

import { basename } from 'node:path';
import type { CommandIO } from '../cli/io.js';
import { say } from '../cli/io.js';
import { requireServerName } from '../config/barman-config.js';
import { UsageError } from '../errors.js';
import { probeStore, readyToAcceptLine } from '../object-store/get-ready.js';
import { openObjectStore } from '../object-store/options.js';
import { duplicateWarningLine, putWalObject } from '../object-store/put-wal.js';
import { requireWalName } from '../wal/name.js';
import type { ParsedArchiveArgs } from './options.js';
import { openWal } from './wal-path.js';

export async function archiveToObjectStore(args: ParsedArchiveArgs, io: CommandIO): Promise<number> {
  const { options, host, server } = args;
  requireServerName(server);
  if (options.transport !== 'ssh') throw new UsageError('--transport local cannot be used with an s3:// target');
  const warn = (line: string): void => say(io, line);
  const { store, location } = await openObjectStore(host, options, io.env, warn);
  try {
    if (options.test) {
      await probeStore(store, location, server);
      io.stdout.write(`${readyToAcceptLine(server)}\n`);
      return 0;
    }
    // Every compression walship-archive has is one of barman-cloud's suffixes (layout.ts). Debian's
    // barman-cloud-wal-restore 3.4 reads only .gz and .bz2 of them: to it an .xz, .zst or .lz4 object
    // is "not found" (test/integration/object-store-compression.test.ts).
    const compression = args.compression;
    const walPath = args.walPath as string;
    const wal = requireWalName(basename(walPath), 'WAL file name (basename of WAL_PATH)');
    const data = await readWal(walPath);
    const outcome = await putWalObject({ store, location, server, wal, data, compression, compressionLevel: options.compressionLevel, now: new Date() });
    if (outcome.result === 'duplicate') {
      // Exit 0 as put-wal 3.13+ does: PostgreSQL must not pile WAL up behind a name it cannot archive.
      warn(duplicateWarningLine(location.bucket, wal.name, outcome));
    }
    return 0;
  } finally {
    store.close();
  }
}

/** The whole file, read once: its digests go in the PUT's headers, which precede the body. */
async function readWal(walPath: string): Promise<Buffer> {
  const file = await openWal(walPath);
  try {
    return await file.handle.readFile();
  } finally {
    await file.handle.close();
  }
}
