// Entry point of walship-server and the `barman` alias.
import { runMain } from '../cli/run-main.js';
import { SERVER_EXIT, serverMain } from './cli.js';

runMain(serverMain, SERVER_EXIT);
