// walship's clients: sync (one ssh per call, and --reuse-connection), --async archive (agent + sh
// fast path) to walship-server and to Debian's Barman 3.4, and restore sync, -p 8 and --async (when
// this checkout has the restore agent: dist/bundle/restore-agent.js).

import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { binPath, repoRoot } from '../../test/helpers/run.js';
import { ensureOwnedDir } from '../../test/helpers/files.js';
import { emptyBarmanServer } from './archive-dirs.js';
import { SERVER, shq } from './context.js';
import type { ToolContext } from './context.js';
import type { Tool } from './types.js';

const slot = (dataDir: string, role: 'archive' | 'restore'): string => join(dataDir, 'pg_wal', '.walship', role);

/** The pid in the agent's pid file under the cluster's slot (any target: one agent per cluster and role). */
export async function agentPidOf(dataDir: string, role: 'archive' | 'restore'): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(slot(dataDir, role), 'agent.pid'), 'utf8')).split(' ')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Async archive: true once the agent has an ack for every name (the sh fast path's file). */
export async function allArchiveAcked(dataDir: string, names: readonly string[]): Promise<boolean> {
  const acks = new Set(await readdir(join(slot(dataDir, 'archive'), 'ack')).catch(() => [] as string[]));
  return names.every((n) => acks.has(n));
}

export const hasRestoreAgent = (): boolean => existsSync(join(repoRoot, 'dist', 'bundle', 'restore-agent.js'));

export function walshipArchiveTools(ctx: ToolContext): Tool[] {
  const base = (user: string, cfg: string, extra: string): string =>
    `${binPath('walship-archive')} ${extra}-U ${user} -c ${shq(cfg)} ${ctx.sshHost} ${SERVER} %p`;
  const toWalship = (extra: string): string => base(ctx.archiveUser.name, ctx.walshipCfg.configPath, extra);
  const resetWalship = (): Promise<void> => emptyBarmanServer(ctx.walshipCfg.barmanHome, SERVER);
  const allAcked = allArchiveAcked;
  const agentPid = (dataDir: string): Promise<number | undefined> => agentPidOf(dataDir, 'archive');
  return [
    { id: 'walship-sync', label: 'walship-archive (ssh per call)', family: 'walship', async: false, command: () => toWalship(''), reset: resetWalship },
    { id: 'walship-reuse', label: 'walship-archive --reuse-connection 60', family: 'walship', async: false, command: () => toWalship('--reuse-connection 60 '), reset: resetWalship },
    { id: 'walship-async', label: 'walship-archive --async', family: 'walship', async: true, command: () => toWalship('--async '), reset: resetWalship, agentPid, allAcked },
    {
      id: 'walship-async-barman', label: 'walship-archive --async --md5 → Barman 3.4', family: 'walship', async: true,
      command: () => base(ctx.barmanUser.name, ctx.barmanCfg.configPath, '--async --md5 '),
      reset: () => emptyBarmanServer(ctx.barmanCfg.barmanHome, SERVER), agentPid, allAcked,
    },
  ];
}

export function walshipRestoreTools(ctx: ToolContext): Tool[] {
  const spool = join(ctx.work, 'walship-spool');
  const resetSpool = async (): Promise<void> => {
    await rm(spool, { recursive: true, force: true });
    await ensureOwnedDir(spool, ctx.pgUser, 0o700);
  };
  const cmd = (extra: string): string =>
    `${binPath('walship-restore')} ${extra}-U ${ctx.archiveUser.name} -c ${shq(ctx.walshipCfg.configPath)} ${ctx.sshHost} ${SERVER} %f %p`;
  const tools: Tool[] = [
    { id: 'walship-sync', label: 'walship-restore (ssh per call)', family: 'walship', async: false, command: () => cmd(''), reset: resetSpool },
    { id: 'walship-p8', label: 'walship-restore -p 8', family: 'walship', async: false, command: () => cmd(`-p 8 --spool-dir ${shq(spool)} `), reset: resetSpool },
  ];
  if (hasRestoreAgent()) {
    tools.push({
      id: 'walship-async', label: 'walship-restore --async -p 4 --reuse-connection 60', family: 'walship', async: true,
      command: () => cmd('--async -p 4 --reuse-connection 60 '), reset: resetSpool,
      agentPid: (dataDir) => agentPidOf(dataDir, 'restore'),
    });
  }
  return tools;
}
