// Entry point of walship-archive and the barman-wal-archive alias.
import { runMain } from '../cli/run-main.js';
import { ARCHIVE_EXIT, archiveMain } from './cli.js';

runMain(archiveMain, ARCHIVE_EXIT);
