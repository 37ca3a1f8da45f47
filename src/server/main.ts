// Entry point of walship-server and the `barman` alias.
import { runMain } from '../cli/run-main.js';
import { serverMain } from './cli.js';

runMain(serverMain, 1);
