// The get-wal verb on one server: --test, --peek, or send one WAL file (SPEC §5). No process.*:
// the caller passes the server's directories and the output stream and maps the result to a status.

import type { Writable } from 'node:stream';
import { requireWalName, type WalName } from '../wal/name.js';
import type { GetWalRequest } from './args.js';
import { candidatePaths, existsAnywhere, openFirstExisting, type ServerDirectories } from './locate.js';
import { peekWalNames } from './peek.js';
import { sendToDirectory, sendToStream } from './send.js';
import { storedSegmentSize } from './segment-size.js';

export type GetWalResult =
  | { kind: 'ready' }
  | { kind: 'peeked'; names: string[] }
  | { kind: 'sent'; from: string; to: string | 'stdout' }
  | { kind: 'not-found'; walName: string };

/** Runs one request. Throws InvalidWalNameError for a bad name, DestinationUnusableError for a bad -o DIR. */
export async function getWal(request: GetWalRequest, dirs: ServerDirectories, stdout: Writable): Promise<GetWalResult> {
  if (request.test) return { kind: 'ready' };
  const wal = requireWalName(request.walName);
  if (request.peek !== undefined) return { kind: 'peeked', names: await peekWalNames(wal, request.peek, peekSources(dirs)) };
  return sendWal(request, dirs, wal, stdout);
}

async function sendWal(request: GetWalRequest, dirs: ServerDirectories, wal: WalName, stdout: Writable): Promise<GetWalResult> {
  const located = await openFirstExisting(candidatePaths(dirs, wal, request.partial));
  if (!located) return { kind: 'not-found', walName: wal.name };
  try {
    if (request.outputDirectory === undefined) {
      await sendToStream(located, request.output, stdout);
      return { kind: 'sent', from: located.path, to: 'stdout' };
    }
    const to = await sendToDirectory(located, request.output, request.outputDirectory, wal.name);
    return { kind: 'sent', from: located.path, to };
  } finally {
    await located.handle.close();
  }
}

/** Peek reads existence from the three plain positions, the size from the first file found. */
const peekSources = (dirs: ServerDirectories) => ({
  exists: (wal: WalName) => existsAnywhere(dirs, wal),
  segmentSize: async (wal: WalName) => {
    const located = await openFirstExisting(candidatePaths(dirs, wal, false));
    if (!located) return undefined;
    await located.handle.close();
    return storedSegmentSize(located.path, wal);
  },
});
