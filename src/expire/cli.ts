// `walship-server expire [--keep N] [--keep-days D] [--dry-run] SERVER`: retention for an archive
// walship serves alone. One expire per server at a time (a lock in backup_directory), a log of every
// removal, and a refusal where Barman's archiver, hence Barman's retention, owns the archive.

import { join } from 'node:path';
import { acquireLock } from '../agent/lock.js';
import { SERVER } from '../cli/executables.js';
import { guard, type ExitTable } from '../cli/exit-table.js';
import { say, type CommandIO } from '../cli/io.js';
import { numberOption } from '../cli/number-option.js';
import { createProgram, parseProgram, usageError } from '../cli/program.js';
import { resolveServer, SEPARATE_ARCHIVER, type ServerConfig } from '../config/barman-config.js';
import { ExpireRefusedError, UsageError } from '../errors.js';
import { readBackupLabels } from '../store/backup-label.js';
import { readInventory } from '../store/inventory.js';
import { formatBytes } from '../check/report.js';
import { openExpireLog } from './log.js';
import { planExpire, type ExpirePlan, type RetentionPolicy } from './plan.js';
import { removeEmptyHashDirs, removeInOrder } from './remove.js';

/** 2 for usage (argparse), 1 for anything that kept expire from running or finishing. */
export const EXPIRE_EXIT: ExitTable = { rows: [[UsageError, 2]], unexpected: 1 };

const LOCK_NAME = '.walship-expire.lock';

interface ParsedExpire {
  server: string;
  policy: RetentionPolicy;
  dryRun: boolean;
}

function parseExpireArgs(args: readonly string[], io: CommandIO): ParsedExpire | undefined {
  const program = createProgram(SERVER, io, 'expire')
    .description('remove the WAL that no kept base backup needs (backups are found by their archived .backup labels)')
    .argument('<SERVER>')
    .option('--keep <N>', 'keep what the newest N base backups need', numberOption({ min: 1, max: 100000 }))
    .option('--keep-days <DAYS>', 'keep what recovery to any point of the last DAYS days needs', numberOption({ min: 0, max: 100000, fraction: true }))
    .option('-n, --dry-run', 'list what would be removed, remove nothing');
  if (!parseProgram(program, args)) return undefined;
  const opts = program.opts<{ keep?: number; keepDays?: number; dryRun?: boolean }>();
  if (opts.keep === undefined && opts.keepDays === undefined) throw usageError(program, 'say what to keep: --keep N and/or --keep-days DAYS');
  return { server: program.args[0] as string, policy: { keep: opts.keep, keepDays: opts.keepDays }, dryRun: opts.dryRun === true };
}

function refuseSeparateArchiver(server: ServerConfig): void {
  if (!server.separateArchiver) return;
  // Barman indexes wals/ in xlog.db and expires WAL with its own retention policies; removing files
  // under it would leave that index pointing at nothing.
  throw new ExpireRefusedError(`server '${server.name}' has ${SEPARATE_ARCHIVER} = on: Barman's archiver and retention own this archive`, {
    hint: 'use Barman\'s retention_policy and `barman cron`, or set walship_separate_archiver = off if walship alone serves it',
  });
}

const describePlan = (plan: ExpirePlan): string =>
  `keeping ${plan.kept.length} base backup(s) from ${plan.cut?.name ?? '-'}, ${plan.expired.length} expired, ${plan.removals.length} file(s) to remove`;

export async function expireCommand(args: string[], io: CommandIO, configPath: string | undefined): Promise<number> {
  return guard(io, EXPIRE_EXIT, async () => {
    const parsed = parseExpireArgs(args, io);
    if (parsed === undefined) return 0;
    const server = resolveServer(configPath, parsed.server);
    refuseSeparateArchiver(server);
    const lock = await acquireLock(join(server.backupDirectory, LOCK_NAME));
    if (lock === undefined) throw new ExpireRefusedError(`another expire of server '${server.name}' is running (${join(server.backupDirectory, LOCK_NAME)})`);
    try {
      const inventory = readInventory(server);
      const { labels } = await readBackupLabels(inventory.files);
      if (labels.length === 0) {
        throw new ExpireRefusedError(`no base backup label (.backup file) in the archive of server '${server.name}': nothing says what to keep, so nothing is removed`, {
          hint: 'PostgreSQL archives a label at the end of each base backup (pg_basebackup, pg_backup_stop); take one first',
        });
      }
      const plan = planExpire(inventory.files, labels, parsed.policy, Date.now());
      return parsed.dryRun ? reportDryRun(io, server, plan) : runExpire(io, server, plan, parsed.policy);
    } finally {
      await lock.release();
    }
  });
}

function reportDryRun(io: CommandIO, server: ServerConfig, plan: ExpirePlan): number {
  for (const file of plan.removals) io.stdout.write(`would remove ${file.path}\n`);
  say(io, `expire ${server.name} (dry run): ${describePlan(plan)}`);
  return 0;
}

function runExpire(io: CommandIO, server: ServerConfig, plan: ExpirePlan, policy: RetentionPolicy): number {
  if (plan.removals.length === 0) {
    if (plan.cut !== undefined) removeEmptyHashDirs(server.walsDirectory, plan.cut.name);
    say(io, `expire ${server.name}: ${describePlan(plan)}`);
    return 0;
  }
  const log = openExpireLog(server.backupDirectory);
  try {
    const keep = [policy.keep === undefined ? '' : `keep=${policy.keep}`, policy.keepDays === undefined ? '' : `keep-days=${policy.keepDays}`].filter(Boolean).join(' ');
    log.line(`begin server=${server.name} ${keep} cut=${plan.cut?.name} files=${plan.removals.length} expired=${plan.expired.map((label) => label.file.wal.name).join(',')}`);
    const result = removeInOrder(plan.removals, log);
    if (plan.cut !== undefined) removeEmptyHashDirs(server.walsDirectory, plan.cut.name);
    log.line(`end server=${server.name} removed=${result.removed} bytes=${result.bytes}`);
    say(io, `expire ${server.name}: ${describePlan(plan)}; removed ${result.removed} (${formatBytes(result.bytes)}); log: ${log.path}`);
  } finally {
    log.close();
  }
  return 0;
}
