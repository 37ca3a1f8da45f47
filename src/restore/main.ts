// Entry point of walship-restore and its barman-wal-restore alias.
import { runMain } from '../cli/run-main.js';
import { RESTORE_EXIT, restoreMain } from './cli.js';

runMain(restoreMain, RESTORE_EXIT);
