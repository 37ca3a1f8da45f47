// Placeholder until the put-wal command lands (being written now); keeps the build green.
import type { CommandIO } from '../cli/io.js';

export async function putWalCommand(_args: string[], io: CommandIO, _configPath: string | undefined): Promise<number> {
  io.stderr.write('ERROR: put-wal is not built yet\n');
  return 1;
}
