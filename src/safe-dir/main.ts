// Entry point of walship-safe-dir.
import { runMain } from '../cli/run-main.js';
import { safeDirMain } from './cli.js';
import { LOCAL_EXIT } from './exit-status.js';

runMain(safeDirMain, LOCAL_EXIT);
