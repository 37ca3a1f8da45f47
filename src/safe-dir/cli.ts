// walship-safe-dir's process edge: argv (commander), the running user, stderr lines, exit statuses.

import { homedir } from 'node:os';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { CommandIO } from '../cli/io.js';
import { say } from '../cli/io.js';
import { formatError } from '../cli/run-main.js';
import { UsageError } from '../errors.js';
import { checkWal } from './check.js';
import { EXIT, localExitStatus, NOTIFY_EXIT, notifyExitStatus } from './exit-status.js';
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
function parseWaitSeconds(text: string): number {
  const value = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 3600)) throw new InvalidArgumentError('expected seconds between 0 and 3600');
  return value;
}

const dirOf = (option: string | undefined, io: CommandIO, who: Identity): string =>
  resolveSafeDir(option ?? io.env['WALSHIP_SAFE_DIR'], who.home);

/** Runs one verb and turns its failure into the ERROR line and that verb's status. */
async function guarded(io: CommandIO, statusOf: (error: unknown) => number, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    io.stderr.write(formatError(error));
    return statusOf(error);
  }
}

function buildProgram(io: CommandIO, who: Identity, settle: (status: Promise<number>) => void): Command {
  const program = new Command('walship-safe-dir')
    .description('PostgreSQL 9.2/9.3 WAL safe dir: archive_command succeeds once Barman has marked the segment safe')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => undefined });

  program
    .command('check')
    .description("archive_command: exit 0 once DIR/%f.done exists (or for .backup/.partial); 1 while it does not")
    .argument('<wal>', "the WAL file name (archive_command's %f)")
    .option('--dir <dir>', 'safe dir (default: $WALSHIP_SAFE_DIR or ~/.wal_safe_dir)')
    .option('--wait <seconds>', 'keep looking for the marker this long before giving up', parseWaitSeconds, 0)
    .option('--accept-history', 'PostgreSQL 9.2 only: accept .history files without a marker (see docs/safe-dir.md)')
    .action((wal: string, opts: { dir?: string; wait: number; acceptHistory?: boolean }) => {
      settle(
        guarded(io, localExitStatus, async () => {
          const dir = dirOf(opts.dir, io, who);
          const outcome = await checkWal({ name: wal, dir, uid: who.uid, waitMs: opts.wait * 1000, acceptHistory: opts.acceptHistory === true });
          if (outcome.safe) return EXIT.ok;
          say(io, `WAITING: ${wal} is not confirmed archived by Barman yet: no ${markerPath(dir, wal)} after ${opts.wait} s`);
          return EXIT.notYet;
        }),
      );
    });

  program
    .command('mark')
    .description('create DIR/NAME.done durably (run by notify over ssh, as the PostgreSQL user)')
    .argument('<name>', 'the WAL file name Barman archived')
    .option('--dir <dir>', 'safe dir (default: $WALSHIP_SAFE_DIR or ~/.wal_safe_dir)')
    .action((name: string, opts: { dir?: string }) => {
      settle(
        guarded(io, localExitStatus, async () => {
          const outcome = await markWal({ name, dir: dirOf(opts.dir, io, who), uid: who.uid });
          say(io, outcome.result === 'marked' ? `marked ${outcome.wal.name} safe: ${outcome.path}` : `${outcome.wal.name} was already taken by check (${outcome.path}); nothing to do`);
          return EXIT.ok;
        }),
      );
    });

  program
    .command('notify')
    .description("Barman's post_archive_retry_script: mark $BARMAN_SEGMENT on the PostgreSQL host over ssh")
    .option('--host <host>', 'PostgreSQL host or ssh alias ($WALSHIP_SAFE_DIR_HOST)')
    .option('--user <user>', 'ssh user owning the safe dir ($WALSHIP_SAFE_DIR_USER, default postgres)')
    .option('--port <port>', 'ssh port ($WALSHIP_SAFE_DIR_PORT)')
    .option('--dir <dir>', 'safe dir on the PostgreSQL host ($WALSHIP_SAFE_DIR; default: its ~/.wal_safe_dir)')
    .option('--remote-command <path>', 'walship-safe-dir on the PostgreSQL host ($WALSHIP_SAFE_DIR_REMOTE_COMMAND)')
    .option('--connect-timeout <seconds>', 'ssh ConnectTimeout ($WALSHIP_SAFE_DIR_CONNECT_TIMEOUT, default 10)')
    .action((opts: NotifyFlags) => {
      settle(
        guarded(io, notifyExitStatus, async () => {
          const outcome = await notify(opts, io);
          if (outcome.action === 'marked') say(io, `marked ${outcome.name} safe on ${outcome.where}`);
          if (outcome.action === 'skip') say(io, outcome.message);
          if (outcome.action !== 'abort') return NOTIFY_EXIT.ok;
          io.stderr.write(formatError(new Error(outcome.message)));
          return NOTIFY_EXIT.abortContinue;
        }),
      );
    });

  program
    .command('sweep')
    .description('remove markers PostgreSQL will never ask for, and stale temp files')
    .option('--dir <dir>', 'safe dir (default: $WALSHIP_SAFE_DIR or ~/.wal_safe_dir)')
    .option('--pgdata <dir>', 'PostgreSQL data directory (default: $PGDATA)')
    .option('--dry-run', 'print what would be removed, remove nothing')
    .action((opts: { dir?: string; pgdata?: string; dryRun?: boolean }) => {
      settle(
        guarded(io, localExitStatus, async () => {
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

/** Commander's own codes for help the user asked for; any other CommanderError is a usage error. */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

export async function safeDirMain(argv: string[], io: CommandIO, who: Identity = processIdentity(io)): Promise<number> {
  let status: Promise<number> | undefined;
  const program = buildProgram(io, who, (pending) => {
    status = pending;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (HELP_CODES.has(error.code)) return EXIT.ok;
    // No command at all: commander has already printed the usage to stderr.
    if (error.code === 'commander.help') return EXIT.usage;
    io.stderr.write(formatError(new UsageError(error.message.replace(/^error: /, ''), { hint: 'walship-safe-dir --help' })));
    return EXIT.usage;
  }
  if (status === undefined) return EXIT.usage;
  return status;
}
