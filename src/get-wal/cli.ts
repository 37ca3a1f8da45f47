// Placeholder until the get-wal command lands (being written now); keeps the build green.
import type { CommandIO } from '../cli/io.js';

export async function getWalCommand(_args: string[], io: CommandIO, _configPath: string | undefined): Promise<number> {
  io.stderr.write('ERROR: get-wal is not built yet\n');
  return 1;
}
