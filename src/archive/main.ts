// Entry point of walship-archive and the barman-wal-archive alias.
import { runMain } from '../cli/run-main.js';
import { archiveMain } from './cli.js';

runMain(archiveMain, 2);
