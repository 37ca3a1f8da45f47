// The process edge of `walship-server serve SERVER_NAME` (and `barman serve`, which real Barman
// refuses with argparse's exit 2: that refusal is how a client learns to fall back to exec get-wal).

import { SERVER } from '../cli/executables.js';
import { guard, type ExitTable } from '../cli/exit-table.js';
import type { CommandIO } from '../cli/io.js';
import { createProgram, parseProgram } from '../cli/program.js';
import { VERSION } from '../cli/version.js';
import { resolveServer } from '../config/barman-config.js';
import { ServerInactiveError } from '../errors.js';
import { GET_WAL_EXIT } from '../get-wal/cli.js';
import { FrameError } from '../wire/frames.js';
import { runServeSession } from './session.js';

/** get-wal's table before the session starts; a broken protocol afterwards is 2, like a usage error. */
export const SERVE_EXIT: ExitTable = { rows: [[FrameError, 2], ...GET_WAL_EXIT.rows], unexpected: 2 };
/** A restore agent closes its sessions when it exits; this only ends ones whose client vanished. */
export const SERVE_IDLE_MS = 5 * 60 * 1000;

export async function serveCommand(args: string[], io: CommandIO, configPath: string | undefined): Promise<number> {
  return guard(io, SERVE_EXIT, async () => {
    const program = createProgram(SERVER, io, 'serve')
      .description('answer get-wal and peek requests for one server over a framed session on stdin/stdout')
      .argument('<SERVER_NAME>');
    if (!parseProgram(program, args)) return 0;
    const [serverName] = program.args as [string];
    const server = resolveServer(configPath, serverName);
    if (!server.active) throw new ServerInactiveError(`Inactive server: ${server.name}`);
    await runServeSession({ serverName, dirs: server, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, version: VERSION, idleMs: SERVE_IDLE_MS });
    return 0;
  });
}
