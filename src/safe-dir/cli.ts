// walship-safe-dir's process edge: argv (commander), the running user, stderr lines, exit statuses.

import { homedir } from 'node:os';
import type { Command } from 'commander';
import { SAFE_DIR } from '../cli/executables.js';
import { guard, reportError } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { say } from '../cli/io.js';
import { numberOption } from '../cli/number-option.js';
import { addSubcommand, createProgram, parseProgramAsync } from '../cli/program.js';
import { UsageError } from '../errors.js';
import { checkWal } from './check.js';
import { EXIT, LOCAL_EXIT, NOTIFY_EXIT, NOTIFY_EXIT_TABLE } from './exit-status.js';
import { markWal } from './mark.js';
import { notify, type NotifyFlags } from './notify.js';
import { markerPath, resolveSafeDir } from './safe-dir.js';
import { sweepSafeDir } from './sweep.js';

/** Who runs us: the safe dir must belong to this uid, and `~` means this home. */
export interface Identity {
  uid: number;
  home: string;
}

export const processIdentity = (io: CommandIO): Identity => ({ uid: process.geteuid?.() ?? -1, home: io.env['HOME'] ?? homedir() });

/** --wait: seconds, fractions allowed; an hour at most, since the archiver does nothing else meanwhile. */
const waitSeconds = numberOption({ min: 0, max: 3600, fraction: true });

const dirOf = (option: string | undefined, io: CommandIO, who: Identity): string =>
  resolveSafeDir(option ?? io.env['WALSHIP_SAFE_DIR'], who.home);

function buildProgram(io: CommandIO, who: Identity, settle: (status: Promise<number>) => void): Command {
  const program = createProgram(SAFE_DIR, io);

  addSubcommand(program, 'check', io)
    .description("archive_command: exit 0 once DIR/%f.done exists (or for .backup/.partial); 1 while it does not")
    .argument('<wal>', "the WAL file name (archive_command's %f)")
    .option('--dir <dir>', 'safe dir (default: $WALSHIP_SAFE_DIR or ~/.wal_safe_dir)')
    .option('--wait <seconds>', 'keep looking for the marker this long before giving up', waitSeconds, 0)
    .option('--accept-history', 'PostgreSQL 9.2 only: accept .history files without a marker (see docs/safe-dir.md)')
    .action((wal: string, opts: { dir?: string; wait: number; acceptHistory?: boolean }) => {
      settle(
        guard(io, LOCAL_EXIT, async () => {
          const dir = dirOf(opts.dir, io, who);
          const outcome = await checkWal({ name: wal, dir, uid: who.uid, waitMs: opts.wait * 1000, acceptHistory: opts.acceptHistory === true });
          if (outcome.safe) return EXIT.ok;
          say(io, `WAITING: ${wal} is not confirmed archived by Barman yet: no ${markerPath(dir, wal)} after ${opts.wait} s`);
          return EXIT.notYet;
        }),
      );
    });

  addSubcommand(program, 'mark', io)
    .description('create DIR/NAME.done durably (run by notify over ssh, as the PostgreSQL user)')
    .argument('<name>', 'the WAL file name Barman archived')
    .option('--dir <dir>', 'safe dir (default: $WALSHIP_SAFE_DIR or ~/.wal_safe_dir)')
    .action((name: string, opts: { dir?: string }) => {
      settle(
        guard(io, LOCAL_EXIT, async () => {
          const outcome = await markWal({ name, dir: dirOf(opts.dir, io, who), uid: who.uid });
          say(io, outcome.result === 'marked' ? `marked ${outcome.wal.name} safe: ${outcome.path}` : `${outcome.wal.name} was already taken by check (${outcome.path}); nothing to do`);
          return EXIT.ok;
        }),
      );
    });

  addSubcommand(program, 'notify', io)
    .description("Barman's post_archive_retry_script: mark $BARMAN_SEGMENT on the PostgreSQL host over ssh")
    .option('--host <host>', 'PostgreSQL host or ssh alias ($WALSHIP_SAFE_DIR_HOST)')
    .option('--user <user>', 'ssh user owning the safe dir ($WALSHIP_SAFE_DIR_USER, default postgres)')
    .option('--port <port>', 'ssh port ($WALSHIP_SAFE_DIR_PORT)')
    .option('--dir <dir>', 'safe dir on the PostgreSQL host ($WALSHIP_SAFE_DIR; default: its ~/.wal_safe_dir)')
    .option('--remote-command <path>', 'walship-safe-dir on the PostgreSQL host ($WALSHIP_SAFE_DIR_REMOTE_COMMAND)')
    .option('--connect-timeout <seconds>', 'ssh ConnectTimeout ($WALSHIP_SAFE_DIR_CONNECT_TIMEOUT, default 10)')
    .action((opts: NotifyFlags) => {
      settle(
        guard(io, NOTIFY_EXIT_TABLE, async () => {
          const outcome = await notify(opts, io);
          if (outcome.action === 'marked') say(io, `marked ${outcome.name} safe on ${outcome.where}`);
          if (outcome.action === 'skip') say(io, outcome.message);
          if (outcome.action !== 'abort') return NOTIFY_EXIT.ok;
          say(io, `ERROR: ${outcome.message}`);
          return NOTIFY_EXIT.abortContinue;
        }),
      );
    });

  addSubcommand(program, 'sweep', io)
    .description('remove markers PostgreSQL will never ask for, and stale temp files')
    .option('--dir <dir>', 'safe dir (default: $WALSHIP_SAFE_DIR or ~/.wal_safe_dir)')
    .option('--pgdata <dir>', 'PostgreSQL data directory (default: $PGDATA)')
    .option('--dry-run', 'print what would be removed, remove nothing')
    .action((opts: { dir?: string; pgdata?: string; dryRun?: boolean }) => {
      settle(
        guard(io, LOCAL_EXIT, async () => {
          const pgdata = opts.pgdata ?? io.env['PGDATA'];
          if (pgdata === undefined || pgdata === '') throw new UsageError('sweep needs the data directory', { hint: 'pass --pgdata DIR or set PGDATA' });
          const dryRun = opts.dryRun === true;
          const result = await sweepSafeDir({ dir: dirOf(opts.dir, io, who), uid: who.uid, pgdata, dryRun });
          for (const { entry, reason } of result.removed) io.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${entry}: ${reason}\n`);
          for (const entry of result.unknown) say(io, `WARNING: left alone: ${JSON.stringify(entry)} is not a marker or a walship temp file`);
          return EXIT.ok;
        }),
      );
    });
  return program;
}

export async function safeDirMain(argv: string[], io: CommandIO, who: Identity = processIdentity(io)): Promise<number> {
  let status: Promise<number> | undefined;
  const program = buildProgram(io, who, (pending) => {
    status = pending;
  });
  try {
    if (!(await parseProgramAsync(program, argv))) return EXIT.ok;
  } catch (error) {
    // Commander's usage errors come before any verb ran; both tables give them 2.
    return reportError(io, LOCAL_EXIT, error);
  }
  return status ?? EXIT.usage;
}
