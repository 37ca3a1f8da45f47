// `walship-archive --check [-D DATADIR] [thresholds]` on the PostgreSQL host: pg_stat_archiver, the
// .ready backlog and the --async agent, one line per problem on stdout and the Nagios status.
// Reached from walship-archive's argv before its archive_command arguments are parsed.

import { Option } from 'commander';
import { ARCHIVE } from '../../cli/executables.js';
import { durationOption, formatAge } from '../../cli/duration-option.js';
import { guard, type ExitTable } from '../../cli/exit-table.js';
import type { CommandIO } from '../../cli/io.js';
import { NAGIOS_EXIT, STATUS_LABEL, worstStatus, type Status } from '../../cli/nagios.js';
import { createProgram, parseProgram, usageError } from '../../cli/program.js';
import { checkAsyncAgent } from './agent.js';
import { checkArchiverStats, type ArchiverStats } from './archiver-stats.js';
import type { Problem } from './problem.js';
import { judgeReadyBacklog, type ReadyBacklog } from './ready.js';

/** A check that cannot run is UNKNOWN (3), as Nagios plugins answer; never walship-archive's statuses. */
export const ARCHIVE_CHECK_EXIT: ExitTable = { rows: [], unexpected: NAGIOS_EXIT.unknown };

interface ParsedArchiveCheck {
  dataDir: string;
  readyWarning: number;
  readyCritical: number;
  failureWindow: number;
}

function parseArchiveCheckArgs(argv: readonly string[], io: CommandIO): ParsedArchiveCheck | undefined {
  const program = createProgram(ARCHIVE, io, '--check')
    .description('check archiving on this PostgreSQL host: pg_stat_archiver (via psql and the libpq environment), the .ready backlog, the --async agent')
    .option('-D, --pgdata <DATADIR>', 'the data directory (default: $PGDATA)')
    .addOption(new Option('--ready-warning <AGE>', 'oldest .ready file older than this: WARNING').argParser(durationOption).default(300, '5m'))
    .addOption(new Option('--ready-critical <AGE>', 'oldest .ready file older than this: CRITICAL').argParser(durationOption).default(1800, '30m'))
    .addOption(new Option('--failure-window <AGE>', 'an archive_command failure this recent is a WARNING even after a success').argParser(durationOption).default(3600, '1h'));
  if (!parseProgram(program, argv)) return undefined;
  const opts = program.opts<{ pgdata?: string; readyWarning: number; readyCritical: number; failureWindow: number }>();
  const dataDir = opts.pgdata ?? io.env['PGDATA'];
  if (dataDir === undefined || dataDir === '') throw usageError(program, 'no data directory: give -D DATADIR or set PGDATA');
  return { dataDir, readyWarning: opts.readyWarning, readyCritical: opts.readyCritical, failureWindow: opts.failureWindow };
}

/** The one line when nothing is wrong: what was looked at. */
function healthyLine(backlog: ReadyBacklog | undefined, stats: ArchiverStats | undefined, now: number): string {
  const parts = [`${backlog?.count ?? 0} WAL file(s) waiting`];
  if (stats?.lastArchivedTime !== undefined) parts.push(`last archived ${stats.lastArchivedWal} ${formatAge((now - stats.lastArchivedTime) / 1000)} ago`);
  return `OK: archiving keeps up (${parts.join(', ')})`;
}

const formatProblem = (p: Problem): string => (p.status === 'note' ? p.text : `${STATUS_LABEL[p.status]}: ${p.text}`);

export async function archiveCheckMain(argv: readonly string[], io: CommandIO): Promise<number> {
  return guard(io, ARCHIVE_CHECK_EXIT, async () => {
    const parsed = parseArchiveCheckArgs(argv, io);
    if (parsed === undefined) return 0;
    const now = Date.now();
    const ready = judgeReadyBacklog(parsed.dataDir, now, parsed.readyWarning, parsed.readyCritical);
    const archiver = await checkArchiverStats(io.env, now, parsed.failureWindow);
    const agent = await checkAsyncAgent(parsed.dataDir, ready.backlog);
    const problems = [...archiver.problems, ...ready.problems, ...agent];
    const statuses = problems.flatMap((p): Status[] => (p.status === 'note' ? [] : [p.status]));
    const status = worstStatus(statuses);
    const lines = problems.filter((p) => p.status !== 'note').map(formatProblem);
    // Nagios shows the first line: the verdict first, the NOTEs after it.
    if (lines.length === 0) lines.push(healthyLine(ready.backlog, archiver.stats, now));
    lines.push(...problems.filter((p) => p.status === 'note').map(formatProblem));
    io.stdout.write(`${lines.join('\n')}\n`);
    return NAGIOS_EXIT[status];
  });
}
