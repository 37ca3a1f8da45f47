// walship and Debian's barman-cloud-wal-archive / -restore 3.4 against one S3 store (issue 13), plain
// bytes for every tool: neither client compresses unless told (-z/-j), so each call moves the same
// raw 16 MiB. Archive tools write under a prefix of their own, emptied before each run; restore
// tools all read the prefix barman-cloud-wal-archive filled (fixture/object-store.ts).
//
// walship --async (archive and restore) and restore -p drive the store through the object-store
// transport (src/object-store/transport.ts), with the same command lines as over ssh.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureOwnedDir } from '../../test/helpers/files.js';
import { binPath } from '../../test/helpers/run.js';
import { BARMAN_CLOUD, RESTORE_PREFIX } from '../fixture/object-store.js';
import type { BenchStore } from '../fixture/object-store.js';
import { SERVER, shq } from './context.js';
import type { ToolContext } from './context.js';
import type { Tool } from './types.js';
import { agentPidOf, allArchiveAcked } from './walship.js';

/** `ENV… EXECUTABLE [flags] --endpoint-url URL s3://BUCKET/PREFIX SERVER` + the %-arguments. */
const s3Command = (store: BenchStore, executable: string, flags: string, prefix: string, percent: string): string =>
  `${store.envPrefix} ${executable} ${flags}--endpoint-url ${shq(store.endpoint)} ${shq(store.url(prefix))} ${SERVER} ${percent}`;

export function objectStoreArchiveTools(store: BenchStore): Tool[] {
  const tool = (id: string, label: string, executable: string, flags: string, extra: Partial<Tool> = {}): Tool => {
    const prefix = `archive-${id}`;
    return {
      id, label, family: id.startsWith('walship') ? 'walship' : 'barman', async: extra.allAcked !== undefined,
      command: () => s3Command(store, executable, flags, prefix, '%p'),
      reset: () => store.emptyPrefix(prefix),
      ...extra,
    };
  };
  const walship = binPath('walship-archive');
  return [
    tool('walship-s3-sync', 'walship-archive → S3', walship, ''),
    tool('walship-s3-async', 'walship-archive --async → S3', walship, '--async ', {
      allAcked: allArchiveAcked, agentPid: (dataDir) => agentPidOf(dataDir, 'archive'),
    }),
    tool('barman-cloud', 'barman-cloud-wal-archive 3.4 → S3', BARMAN_CLOUD.archive, ''),
  ];
}

export function objectStoreRestoreTools(ctx: ToolContext, store: BenchStore): Tool[] {
  const spool = join(ctx.work, 'walship-s3-spool');
  const resetSpool = async (): Promise<void> => {
    await rm(spool, { recursive: true, force: true });
    await ensureOwnedDir(spool, ctx.pgUser, 0o700);
  };
  const tool = (id: string, label: string, executable: string, flags: string, extra: Partial<Tool> = {}): Tool => ({
    id, label, family: id.startsWith('walship') ? 'walship' : 'barman', async: extra.agentPid !== undefined,
    command: () => s3Command(store, executable, flags, RESTORE_PREFIX, '%f %p'), reset: resetSpool, ...extra,
  });
  const walship = binPath('walship-restore');
  return [
    tool('walship-s3-sync', 'walship-restore ← S3', walship, ''),
    tool('walship-s3-p8', 'walship-restore -p 8 ← S3', walship, `-p 8 --spool-dir ${shq(spool)} `),
    // -p 4 as the ssh --async entry: four GETs in flight.
    tool('walship-s3-async', 'walship-restore --async -p 4 ← S3', walship, '--async -p 4 ', { agentPid: (dataDir) => agentPidOf(dataDir, 'restore') }),
    tool('barman-cloud', 'barman-cloud-wal-restore 3.4 ← S3', BARMAN_CLOUD.restore, ''),
  ];
}
