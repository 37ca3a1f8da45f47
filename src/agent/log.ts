// The agent's own log: `agent.log` in its slot, one timestamped line per event, rotated to
// `agent.log.1` at 1 MiB so a long-lived agent cannot fill pg_wal's filesystem with text.

import { constants } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { AGENT_LOG_FILE, AGENT_LOG_ROTATED_FILE } from './layout.js';

export const LOG_ROTATE_BYTES = 1024 * 1024;

export type LogLevel = 'INFO' | 'WARNING' | 'ERROR';

export interface AgentLog {
  /** Appends one line; never throws (a log that cannot be written must not stop the agent). */
  write(level: LogLevel, message: string): Promise<void>;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * Each write opens by path (O_APPEND, never through a symlink), so after a rotation new lines go to
 * a fresh agent.log. The spawned agent's stderr fd keeps pointing at the rotated file: a crash trace
 * lands in agent.log.1 then, which is where a reader looks next anyway.
 */
export function createAgentLog(slotDir: string, options: { rotateBytes?: number; now?: () => Date } = {}): AgentLog {
  const path = join(slotDir, AGENT_LOG_FILE);
  const rotateBytes = options.rotateBytes ?? LOG_ROTATE_BYTES;
  const now = options.now ?? (() => new Date());
  let size: number | undefined;
  let queue = Promise.resolve(); // lines keep their order and the size count stays exact

  const append = async (line: string): Promise<void> => {
    size ??= await sizeOf(path);
    if (size >= rotateBytes) {
      await rename(path, join(slotDir, AGENT_LOG_ROTATED_FILE)).catch(() => undefined);
      size = 0;
    }
    const handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.write(line);
    } finally {
      await handle.close();
    }
    size += Buffer.byteLength(line);
  };

  return {
    write(level, message) {
      const line = `${now().toISOString()} ${process.pid} ${level}: ${message.replace(/\n/g, '\n  ')}\n`;
      queue = queue.then(() => append(line)).catch(() => undefined);
      return queue;
    },
  };
}
