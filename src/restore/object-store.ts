// walship-restore with an s3:// target: one WAL file from the bucket to WAL_DEST, with the same
// checks and exit statuses as over ssh (1 only when no object exists for the name). Loaded only
// for s3:// targets.

import { say, type CommandIO } from '../cli/io.js';
import { requireServerName } from '../config/barman-config.js';
import { discardTemp } from '../durable/durable-write.js';
import { UsageError } from '../errors.js';
import { fetchWalObject } from '../object-store/get-wal.js';
import { checkStoreReady } from '../object-store/get-ready.js';
import { openObjectStore } from '../object-store/options.js';
import { requireWalName } from '../wal/name.js';
import type { RestoreOptions } from './args.js';
import { checkDestination, deliver } from './destination.js';
import { expectedSystemIdentifier } from './expected-identity.js';
import { verifyFetched } from './fetch.js';

export async function restoreFromObjectStore(options: RestoreOptions, io: CommandIO): Promise<'delivered' | 'not-found' | 'ready'> {
  requireServerName(options.serverName);
  if (options.transport !== 'ssh' || options.format !== 'plain') {
    throw new UsageError('-z/-j/--keep-compression and --transport local are not supported with an s3:// target (objects are decoded by their suffix)');
  }
  const { store, location } = await openObjectStore(options.barmanHost, options, io.env, (line) => say(io, line));
  try {
    if (options.test) {
      io.stdout.write(`${await checkStoreReady(store, location, options.serverName)}\n`);
      return 'ready';
    }
    const wal = requireWalName(options.walName, 'WAL_NAME');
    await checkDestination(options.walDest);
    const expected = await expectedSystemIdentifier(wal, io);
    const fetched = await fetchWalObject(store, location, options.serverName, wal, options.walDest, options.partial);
    if (fetched.kind === 'not-found') return 'not-found';
    try {
      await verifyFetched(wal, fetched.temp, expected);
    } catch (error) {
      await discardTemp(fetched.temp);
      throw error;
    }
    await deliver(fetched.temp, options.walDest);
    return 'delivered';
  } finally {
    store.close();
  }
}
