// Debian's barman-cli 3.4 clients against Debian's barman 3.4 put-wal/get-wal (the reference).

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureOwnedDir } from '../../test/helpers/files.js';
import { emptyBarmanServer } from './archive-dirs.js';
import { SERVER, shq } from './context.js';
import type { ToolContext } from './context.js';
import type { Tool } from './types.js';

export function barmanArchiveTools(ctx: ToolContext): Tool[] {
  return [{
    id: 'barman', label: 'barman-wal-archive → barman 3.4', family: 'barman', async: false,
    command: () => `/usr/bin/barman-wal-archive -U ${ctx.barmanUser.name} -c ${shq(ctx.barmanCfg.configPath)} ${ctx.sshHost} ${SERVER} %p`,
    reset: () => emptyBarmanServer(ctx.barmanCfg.barmanHome, SERVER),
  }];
}

export function barmanRestoreTools(ctx: ToolContext): Tool[] {
  const spool = join(ctx.work, 'barman-spool');
  const resetSpool = async (): Promise<void> => {
    await rm(spool, { recursive: true, force: true });
    await ensureOwnedDir(spool, ctx.pgUser, 0o700);
  };
  const cmd = (extra: string): string =>
    `/usr/bin/barman-wal-restore ${extra}-U ${ctx.barmanUser.name} -c ${shq(ctx.barmanCfg.configPath)} --spool-dir ${shq(spool)} ${ctx.sshHost} ${SERVER} %f %p`;
  return [
    { id: 'barman', label: 'barman-wal-restore ← barman 3.4', family: 'barman', async: false, command: () => cmd(''), reset: resetSpool },
    { id: 'barman-p8', label: 'barman-wal-restore -p 8 ← barman 3.4', family: 'barman', async: false, command: () => cmd('-p 8 '), reset: resetSpool },
  ];
}
