// pgBackRest archive-push / archive-get, sync and archive-async=y, local repo and repo1-host over ssh.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureOwnedDir } from '../../test/helpers/files.js';
import { shq } from './context.js';
import type { ToolContext } from './context.js';
import { PGBR, STANZA } from './pgbackrest-setup.js';
import type { PgbrSetup, PgbrVariant } from './pgbackrest-setup.js';
import type { Tool } from './types.js';

const label = (v: PgbrVariant, verb: string): string =>
  `pgBackRest ${verb} ${v.async ? 'async' : 'sync'}, ${v.repo === 'local' ? 'local repo' : 'repo1-host over ssh'}`;

/** --pg1-path must be the cwd PostgreSQL gives the command (relative %p) and holds pg_control. */
const cmd = (v: PgbrVariant, dataDir: string, verb: string): string =>
  `${PGBR} --config=${shq(v.config)} --stanza=${STANZA} --pg1-path=${shq(dataDir)} ${verb}`;

export function pgbackrestArchiveTools(ctx: ToolContext, setup: PgbrSetup): Tool[] {
  return setup.variants.map((v) => ({
    id: v.id, label: label(v, 'archive-push'), family: 'pgbackrest' as const, async: v.async,
    command: (dataDir: string) => cmd(v, dataDir, 'archive-push %p'),
    reset: async () => {
      await emptyArchive(setup.repoPath[v.repo]);
      await resetSpool(ctx, v);
    },
  }));
}

export function pgbackrestRestoreTools(ctx: ToolContext, setup: PgbrSetup): Tool[] {
  return setup.variants.map((v) => ({
    id: v.id, label: label(v, 'archive-get'), family: 'pgbackrest' as const, async: v.async,
    command: (dataDir: string) => cmd(v, dataDir, 'archive-get %f %p'),
    reset: () => resetSpool(ctx, v),
  }));
}

/** Removes the archived WAL (archive/bench/<id>/<hash dirs>), keeping archive.info. */
async function emptyArchive(repo: string): Promise<void> {
  const root = join(repo, 'archive', STANZA);
  for (const id of await readdir(root)) {
    if (!/^\d+-\d+$/.test(id)) continue;
    for (const entry of await readdir(join(root, id))) await rm(join(root, id, entry), { recursive: true, force: true });
  }
}

async function resetSpool(ctx: ToolContext, v: PgbrVariant): Promise<void> {
  await rm(v.spool, { recursive: true, force: true });
  await ensureOwnedDir(v.spool, ctx.pgUser, 0o700);
}
