// put-wal on the archive host: receive a tar stream of WAL files with their checksums, verify
// everything (checksums, then each segment's header and system identifier, SPEC §7), then publish
// each file durably into incoming (SPEC §4). All inputs are passed in.

import { access, constants, mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ServerConfig } from '../config/barman-config.js';
import { sweepAbandonedTemps } from '../durable/temp-sweep.js';
import { IncomingUnusableError, ServerInactiveError } from '../errors.js';
import type { TarLimits } from '../wire/tar-reader.js';
import { checkSegmentMembers, recordStreamIdentifier } from './check-segments.js';
import { publishWal, type PublishOutcome } from './publish.js';
import { discardAll, receiveWalStream } from './receive.js';
import { verifyChecksums } from './verify.js';

export interface PutWalRequest {
  server: ServerConfig;
  input: Readable;
  now?: () => Date;
  limits?: TarLimits;
}

export function requireActive(server: ServerConfig): void {
  if (!server.active) {
    throw new ServerInactiveError(`server '${server.name}' is not active (active = off); refusing WAL files`, {
      hint: `set active = on in the [${server.name}] section`,
    });
  }
}

/** Creates incoming if missing (Barman creates server directories on demand) and proves we can write there. */
export async function prepareIncoming(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new IncomingUnusableError(`incoming directory ${dir} is not usable: ${(error as Error).message}`, {
      cause: error,
      hint: 'check its owner and permissions: the ssh user running put-wal must be able to write there',
    });
  }
}

export async function putWal(request: PutWalRequest): Promise<PublishOutcome[]> {
  const { server, input } = request;
  requireActive(server);
  await prepareIncoming(server.incomingWalsDirectory);
  // Temp files of a put-wal killed mid-stream (SIGKILL, power loss) can never be published.
  await sweepAbandonedTemps(server.incomingWalsDirectory);
  const received = await receiveWalStream(input, server.incomingWalsDirectory, request.limits);
  const outcomes: PublishOutcome[] = [];
  try {
    await verifyChecksums(received);
    const firstIdentifier = await checkSegmentMembers(server, received.files);
    // Recorded before publishing, so that of two concurrent first uploads of different clusters the
    // one that loses the record publishes nothing. Nothing refused above is ever recorded.
    if (firstIdentifier !== undefined) await recordStreamIdentifier(server, received.files, firstIdentifier);
    for (const file of received.files) outcomes.push(await publishWal(server, file, (request.now ?? (() => new Date()))()));
  } finally {
    // Whatever was not published (a failed check, an error midway) must not stay behind.
    await discardAll(received.files);
  }
  return outcomes;
}
