// Entry point of walship-restore and its barman-wal-restore alias.
import { runMain } from '../cli/run-main.js';
import { restoreMain, RESTORE_UNEXPECTED } from './cli.js';

runMain(restoreMain, RESTORE_UNEXPECTED);
