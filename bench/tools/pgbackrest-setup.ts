// pgBackRest 2.45 (Debian) with its own stanza `bench` against the bench's PostgreSQL 15: a local
// repository (PostgreSQL user) and one behind repo1-host over the tests' sshd (archive user, the
// like-for-like case: pgBackRest on both ends, same machine). compress-type=none and no network
// compression, so every tool moves the same raw 16 MiB per segment (walship and barman-cli send
// raw bytes by default). The ssh repository's stanza is created locally and then handed to the
// archive user: stanza-create must run on the repository host, and this saves a reverse ssh login.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureOwnedDir } from '../../test/helpers/files.js';
import type { Pg } from '../../test/helpers/postgres.js';
import { describeRun, run } from '../../test/helpers/run.js';
import { chownTree } from '../fixture/datadir.js';
import type { ToolContext } from './context.js';

export const PGBR = '/usr/bin/pgbackrest';
export const STANZA = 'bench';

export interface PgbrVariant {
  id: string;
  repo: 'local' | 'ssh';
  async: boolean;
  config: string;
  spool: string;
}

export interface PgbrSetup {
  variants: PgbrVariant[];
  repoPath: Record<'local' | 'ssh', string>;
}

const ini = (entries: Record<string, string>): string => Object.entries(entries).map(([k, v]) => `${k}=${v}`).join('\n');

export async function setupPgbackrest(ctx: ToolContext, source: Pg): Promise<PgbrSetup> {
  const dir = join(ctx.work, 'pgbackrest');
  await ensureOwnedDir(dir, ctx.pgUser, 0o755);
  const repoPath = { local: join(dir, 'repo-local'), ssh: join(dir, 'repo-ssh') };
  const quiet = { 'log-level-file': 'off', 'log-level-console': 'warn', 'log-level-stderr': 'warn' };
  const raw = { 'compress-type': 'none', 'compress-level-network': '0' };
  // The repository host's own config (read by the remote `pgbackrest ... remote` as the archive user).
  const hostLock = join(dir, 'lock-repohost');
  await ensureOwnedDir(hostLock, ctx.archiveUser, 0o700);
  const hostConfig = join(dir, 'repohost.conf');
  await writeFile(hostConfig, `[global]\n${ini({ 'repo1-path': repoPath.ssh, 'lock-path': hostLock, 'log-path': hostLock, ...quiet, ...raw })}\n`, { mode: 0o644 });
  const variants: PgbrVariant[] = [];
  for (const repo of ['local', 'ssh'] as const) {
    for (const async of [false, true]) {
      const id = `pgbackrest-${async ? 'async' : 'sync'}-${repo}`;
      const lock = join(dir, `lock-${id}`);
      const spool = join(dir, `spool-${id}`);
      for (const d of [lock, spool]) await ensureOwnedDir(d, ctx.pgUser, 0o700);
      const repoEntries: Record<string, string> = repo === 'local'
        ? { 'repo1-path': repoPath.local }
        : { 'repo1-host': ctx.sshHost, 'repo1-host-user': ctx.archiveUser.name, 'repo1-host-config': hostConfig, 'repo1-path': repoPath.ssh };
      const global = { ...repoEntries, 'lock-path': lock, 'log-path': lock, 'spool-path': spool, 'archive-async': async ? 'y' : 'n', 'process-max': '2', ...quiet, ...raw };
      const config = join(dir, `${id}.conf`);
      await writeFile(config, `[global]\n${ini(global)}\n\n[${STANZA}]\npg1-path=${source.dataDir}\n`, { mode: 0o644 });
      variants.push({ id, repo, async, config, spool });
    }
  }
  await createStanzas(ctx, source, dir, repoPath);
  return { variants, repoPath };
}

async function createStanzas(ctx: ToolContext, source: Pg, dir: string, repoPath: Record<'local' | 'ssh', string>): Promise<void> {
  for (const repo of ['local', 'ssh'] as const) {
    await rm(repoPath[repo], { recursive: true, force: true });
    await mkdir(repoPath[repo], { mode: 0o750 });
    await chownTree(repoPath[repo], ctx.pgUser, '750');
    const init = join(dir, `init-${repo}.conf`);
    await writeFile(init, `[global]\nrepo1-path=${repoPath[repo]}\nlock-path=${dir}/lock-pgbackrest-sync-local\nlog-path=${dir}/lock-pgbackrest-sync-local\nlog-level-file=off\n`, { mode: 0o644 });
    const argv = [PGBR, `--config=${init}`, `--stanza=${STANZA}`, `--pg1-path=${source.dataDir}`, `--pg1-socket-path=${source.socketDir}`, `--pg1-port=${source.port}`, `--pg1-user=${source.user}`, 'stanza-create'];
    const r = await run(argv, { user: ctx.pgUser.name, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`pgbackrest stanza-create (${repo}) failed\n${describeRun(r)}`);
  }
  await chownTree(repoPath.ssh, ctx.archiveUser, '750');
}
