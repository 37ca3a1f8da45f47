// What each man page says beyond --help: the exit tables it documents and the environment, files
// and examples sections. The synopsis and options come from the commander programs (render.ts).

import { ARCHIVE_EXIT, archiveMain } from '../archive/cli.js';
import { ARCHIVE, RESTORE, SAFE_DIR, SERVER, type Executable } from '../cli/executables.js';
import type { ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { GET_WAL_EXIT } from '../get-wal/cli.js';
import { PUT_WAL_EXIT } from '../put-wal/cli.js';
import { RESTORE_EXIT, restoreMain } from '../restore/cli.js';
import { LOCAL_EXIT, NOTIFY_EXIT_TABLE } from '../safe-dir/exit-status.js';
import { safeDirMain } from '../safe-dir/cli.js';
import { SERVER_EXIT, serverMain } from '../server/cli.js';
import type { ExitLine } from './exit-status.js';

type Main = (argv: string[], io: CommandIO) => Promise<number>;

export interface ExitSection {
  /** Which verb the table is for, when the command has several ("get-wal"). */
  label?: string;
  table: ExitTable;
  /** Statuses that are outcomes rather than errors (0, "not in the archive"). */
  outcomes: readonly ExitLine[];
}

export interface ManPage {
  executable: Executable;
  main: Main;
  /** Each argv is run with the main, so that every program (and subcommand) of the page is made. */
  helpRuns: readonly (readonly string[])[];
  exits: readonly ExitSection[];
  environment: readonly ExitLine[];
  files: readonly ExitLine[];
  examples: string;
  seeAlso: readonly string[];
}

const PATH_PROGRAMS = { status: 'PATH', meaning: 'ssh, and the bzip2, xz, zstd and lz4 programs that compress and decompress, are looked up on PATH.' };

export const MAN_PAGES: readonly ManPage[] = [
  {
    executable: ARCHIVE,
    main: archiveMain,
    helpRuns: [['--help']],
    exits: [{ table: ARCHIVE_EXIT, outcomes: [{ status: '0', meaning: 'the archive host has the file durably, or already had identical bytes (a different duplicate is kept aside there and also exits 0).' }] }],
    environment: [PATH_PROGRAMS],
    files: [
      { status: '~/.walship/batch', meaning: '--batch records of what the archive host already has (home from the password database).' },
      { status: 'pg_wal/.walship/archive/', meaning: 'the --async agent state: acknowledgements, status files, agent.log.' },
      { status: '~/.ssh/walship-%C', meaning: 'the OpenSSH control socket of --reuse-connection.' },
    ],
    examples: [
      "archive_command = 'walship-archive -U barman backup.example.com pg-main %p'",
      "archive_command = 'walship-archive --async -U barman backup.example.com pg-main %p'",
      "archive_command = 'walship-archive --zstd -U barman backup.example.com pg-main %p'",
      'walship-archive --test -U barman backup.example.com pg-main',
    ].join('\n'),
    seeAlso: ['walship-restore(1)', 'walship-server(1)', 'barman-wal-archive(1)'],
  },
  {
    executable: RESTORE,
    main: restoreMain,
    helpRuns: [['--help']],
    exits: [
      {
        table: RESTORE_EXIT,
        outcomes: [
          { status: '0', meaning: 'the segment was delivered to WAL_DEST.' },
          { status: '1', meaning: 'not in the archive (or an unknown server): PostgreSQL reads 1 as "not available".' },
        ],
      },
    ],
    environment: [PATH_PROGRAMS],
    files: [
      { status: '~/.walship/spool', meaning: 'the prefetch spool (default of --spool-dir; home from the password database).' },
      { status: 'pg_wal/.walship/restore/', meaning: 'the --async restore agent state.' },
    ],
    examples: [
      "restore_command = 'walship-restore -U barman backup.example.com pg-main %f %p'",
      "restore_command = 'walship-restore -p 8 -U barman backup.example.com pg-main %f %p'",
    ].join('\n'),
    seeAlso: ['walship-archive(1)', 'walship-server(1)', 'barman-wal-restore(1)'],
  },
  {
    executable: SERVER,
    main: serverMain,
    helpRuns: [['--help'], ['put-wal', '--help'], ['get-wal', '--help']],
    exits: [
      { table: SERVER_EXIT, outcomes: [] },
      { label: 'put-wal', table: PUT_WAL_EXIT, outcomes: [{ status: '0', meaning: 'every file is published durably in incoming (or was already there with identical content).' }] },
      { label: 'get-wal', table: GET_WAL_EXIT, outcomes: [{ status: '0', meaning: 'the file was sent.' }, { status: '1', meaning: 'the WAL file is not in the archive.' }] },
    ],
    environment: [{ status: 'HOME', meaning: 'where ~/.barman.conf is looked for.' }, PATH_PROGRAMS],
    files: [
      { status: '~/.barman.conf, /etc/barman.conf, /etc/barman/barman.conf', meaning: "Barman's configuration, searched in this order unless -c is given." },
    ],
    examples: [
      '# the clients run "barman put-wal|get-wal" over ssh: let the barman user find walship\'s barman first',
      'PATH=/usr/lib/walship/barman-compat/bin:$PATH',
      'walship-server -c /etc/barman.conf get-wal --peek 4 pg-main 000000010000000000000001',
    ].join('\n'),
    seeAlso: ['walship-archive(1)', 'walship-restore(1)', 'barman(1)'],
  },
  {
    executable: SAFE_DIR,
    main: safeDirMain,
    helpRuns: [['--help']],
    exits: [
      { label: 'check, mark, sweep', table: LOCAL_EXIT, outcomes: [{ status: '0', meaning: 'done (check: the segment is confirmed archived).' }, { status: '1', meaning: 'check: not confirmed yet; PostgreSQL retries later.' }] },
      { label: 'notify', table: NOTIFY_EXIT_TABLE, outcomes: [{ status: '0', meaning: 'marked.' }, { status: '62', meaning: "Barman's abort-continue: an answer no retry can change." }] },
    ],
    environment: [
      { status: 'WALSHIP_SAFE_DIR', meaning: 'the safe dir (default ~/.wal_safe_dir).' },
      { status: 'WALSHIP_SAFE_DIR_HOST, WALSHIP_SAFE_DIR_USER, WALSHIP_SAFE_DIR_PORT', meaning: 'notify: the PostgreSQL host, its ssh user (default postgres) and port.' },
      { status: 'WALSHIP_SAFE_DIR_REMOTE_COMMAND, WALSHIP_SAFE_DIR_CONNECT_TIMEOUT', meaning: 'notify: walship-safe-dir on the PostgreSQL host, and the ssh ConnectTimeout.' },
      { status: 'BARMAN_SEGMENT, BARMAN_PHASE, BARMAN_RETRY, BARMAN_ERROR, BARMAN_HOOK', meaning: "notify: set by Barman for its post_archive_retry_script." },
      { status: 'PGDATA', meaning: 'sweep: the data directory (default of --pgdata).' },
    ],
    files: [{ status: '~/.wal_safe_dir/SEGMENT.done', meaning: 'the marker that lets archive_command succeed for SEGMENT.' }],
    examples: [
      "archive_command = 'walship-safe-dir check --wait 5 %f'",
      '# barman.conf, server section:',
      'post_archive_retry_script = walship-safe-dir notify --host pg.example.com',
    ].join('\n'),
    seeAlso: ['walship-archive(1)', 'barman(5)'],
  },
];
