// `walship-server check [options] [SERVER...]`: argv, configuration, output format and the exit
// status. The status is Nagios's in every output mode (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so a
// cron job, NRPE and a human read the same answer.

import { availableParallelism } from 'node:os';
import { Option } from 'commander';
import { SERVER } from '../cli/executables.js';
import { durationOption, sinceOption } from '../cli/duration-option.js';
import { guard, type ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { NAGIOS_EXIT, worstStatus } from '../cli/nagios.js';
import { numberOption } from '../cli/number-option.js';
import { createProgram, parseProgram, usageError } from '../cli/program.js';
import { findConfigFile, loadConfig, serverConfig, serverNames } from '../config/barman-config.js';
import { WalshipError } from '../errors.js';
import { checkServer } from './check-server.js';
import { formatJson, formatNagios, formatText } from './format.js';
import { DEFAULT_THRESHOLDS, type CheckOptions } from './options.js';
import { writePrometheusFile } from './prometheus.js';
import { emptyMetrics, serverReport, type ServerReport } from './report.js';

/** Anything that stops the check itself (usage, configuration, unexpected) is UNKNOWN, as Nagios plugins answer. */
export const CHECK_EXIT: ExitTable = { rows: [], unexpected: NAGIOS_EXIT.unknown };

type Output = 'text' | 'nagios' | 'json';

interface ParsedCheck {
  servers: string[];
  output: Output;
  prometheus: string | undefined;
  options: Omit<CheckOptions, 'progress'>;
}

function parseCheckArgs(args: readonly string[], io: CommandIO, now: number): ParsedCheck | undefined {
  const days = numberOption({ min: 0, max: 100000, fraction: true });
  const program = createProgram(SERVER, io, 'check')
    .description('check each server\'s archive: directories, free space, continuity per timeline, last archived segment, errors/, system identifier')
    .argument('[SERVER...]', 'servers to check (default: every server in the configuration)')
    .option('--nagios', 'one line for Nagios/Icinga; the exit status is the Nagios status')
    .option('--json', 'the full report as JSON')
    .option('--prometheus <FILE>', 'also write a node_exporter textfile-collector file, replaced atomically')
    .addOption(new Option('--warning <AGE>', 'last archived segment older than this: WARNING (90s, 30m, 2h, 7d)').argParser(durationOption).default(DEFAULT_THRESHOLDS.ageWarning, '1h'))
    .addOption(new Option('--critical <AGE>', 'last archived segment older than this: CRITICAL').argParser(durationOption).default(DEFAULT_THRESHOLDS.ageCritical, '1d'))
    .addOption(new Option('--errors-since <TIME>', 'report errors/ entries newer than this (ISO 8601 time, or an age: 24h)').argParser(sinceOption(() => now)).default(now - DEFAULT_THRESHOLDS.errorsSince * 1000, '24h'))
    .addOption(new Option('--space-warning <DAYS>', 'free space for fewer days than this at the recent rate: WARNING').argParser(days).default(DEFAULT_THRESHOLDS.spaceWarningDays))
    .addOption(new Option('--space-critical <DAYS>', 'free space for fewer days than this: CRITICAL').argParser(days).default(DEFAULT_THRESHOLDS.spaceCriticalDays))
    .addOption(new Option('--backlog-age <AGE>', 'with walship_separate_archiver = on: a file waiting in incoming/ longer than this is a backlog').argParser(durationOption).default(DEFAULT_THRESHOLDS.backlogAge, '10m'))
    .option('--verify', 'also decode every stored segment in full and check it (reads the whole archive)')
    .option('--jobs <N>', 'files decoded in parallel by --verify (default: the number of CPUs)', numberOption({ min: 1, max: 64 }));
  if (!parseProgram(program, args)) return undefined;
  const opts = program.opts<{
    nagios?: boolean; json?: boolean; prometheus?: string; warning: number; critical: number; errorsSince: number;
    spaceWarning: number; spaceCritical: number; backlogAge: number; verify?: boolean; jobs?: number;
  }>();
  if (opts.nagios && opts.json) throw usageError(program, '--nagios and --json cannot be combined');
  if (opts.critical < opts.warning) throw usageError(program, '--critical must not be shorter than --warning');
  return {
    servers: program.processedArgs[0] as string[],
    output: opts.nagios ? 'nagios' : opts.json ? 'json' : 'text',
    prometheus: opts.prometheus,
    options: {
      now, ageWarning: opts.warning, ageCritical: opts.critical, errorsSince: opts.errorsSince,
      spaceWarningDays: opts.spaceWarning, spaceCriticalDays: opts.spaceCritical, backlogAge: opts.backlogAge,
      verify: opts.verify === true, jobs: opts.jobs ?? availableParallelism(),
    },
  };
}

/** A server that could not be checked at all (unknown name, unreadable directory) is UNKNOWN, and the others still are. */
async function checkOne(doc: ReturnType<typeof loadConfig>, name: string, options: CheckOptions): Promise<ServerReport> {
  try {
    return await checkServer(serverConfig(doc, name), options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return serverReport(name, [{ part: 'server', status: 'unknown', message }], [], emptyMetrics());
  }
}

/** A redrawn line on a terminal only: a log file or a pipe gets no carriage returns. */
function progressFor(io: CommandIO, verify: boolean): CheckOptions['progress'] {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  return verify && tty ? (text) => void io.stderr.write(`\r${text}\u001b[K`) : undefined;
}

export async function checkCommand(args: string[], io: CommandIO, configPath: string | undefined): Promise<number> {
  let nagios = args.includes('--nagios');
  let rendered = false;
  let failure = '';
  const status = await guard(io, CHECK_EXIT, async () => {
    try {
      return await runCheck(args, io, configPath, (output) => (nagios = output === 'nagios'), () => (rendered = true));
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      throw error;
    }
  });
  // Nagios reads stdout: a check that could not run still says so there, on its one line.
  if (nagios && !rendered && status !== 0) io.stdout.write(`WALSHIP UNKNOWN - ${failure.replace(/[\n|]/g, ' ')}\n`);
  return status;
}

/** The check proper; tells the caller the output mode once known, and when the report is on stdout. */
async function runCheck(
  args: string[],
  io: CommandIO,
  configPath: string | undefined,
  onOutput: (output: Output) => void,
  onRendered: () => void,
): Promise<number> {
  const parsed = parseCheckArgs(args, io, Date.now());
  if (parsed === undefined) return 0;
  onOutput(parsed.output);
  const doc = loadConfig(findConfigFile(configPath));
  const names = parsed.servers.length > 0 ? parsed.servers : serverNames(doc);
  if (names.length === 0) throw new WalshipError(`no server section in ${findConfigFile(configPath)}`);
  const progress = progressFor(io, parsed.options.verify);
  const reports: ServerReport[] = [];
  for (const name of names) reports.push(await checkOne(doc, name, { ...parsed.options, progress }));
  if (progress !== undefined) io.stderr.write('\n');
  if (parsed.prometheus !== undefined) await writePrometheusFile(parsed.prometheus, reports, parsed.options.now);
  const render = { text: formatText, nagios: formatNagios, json: formatJson }[parsed.output];
  io.stdout.write(render(reports));
  onRendered();
  return NAGIOS_EXIT[worstStatus(reports.map((report) => report.status))];
}
