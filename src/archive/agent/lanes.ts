// The agent's lanes: --jobs independent put-wal streams, each over its own OpenSSH ControlMaster
// (design §4: one crypto process per lane uses every core; one master would serialise them). The
// sockets live in ~/.walship/run/<sha16(pgdata,key)>-<lane>, so a restarted agent finds and
// closes the masters of a killed one, and nothing else ever shares them. An s3:// target has no
// master: each lane has its own object-store transport.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { barmanCommand } from '../../transport/barman-command.js';
import { runSshCommand } from '../../transport/openssh.js';
import { isObjectStoreUrl } from '../../object-store/target.js';
import { createTransport } from '../../transport/select.js';
import type { Transport } from '../../transport/transport.js';
import { loadServerMain } from '../../server/in-process.js';
import type { ParsedArchiveArgs } from '../options.js';

/** The tail of what the far end (and ssh) wrote on stderr during one batch: the status file's detail. */
export interface StderrTail extends Writable {
  take(): string;
}

const TAIL_BYTES = 4096;

export function createStderrTail(): StderrTail {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text = (text + chunk.toString('utf8')).slice(-TAIL_BYTES);
      done();
    },
  });
  return Object.assign(sink, {
    take(): string {
      const taken = text.trim();
      text = '';
      return taken;
    },
  });
}

export interface Lane {
  readonly index: number;
  readonly transport: Transport;
  readonly stderr: StderrTail;
  /** The ControlMaster socket, or undefined without one (--transport local). */
  readonly controlPath: string | undefined;
}

/** An unreachable host must fail a batch (and be retried), never hang a lane. */
const CONNECT_TIMEOUT_SECONDS = 10;

export const laneControlPath = (home: string, dataDir: string, key: string, index: number): string => {
  const id = createHash('sha256').update(`${resolve(dataDir)}\0${key}`).digest('hex').slice(0, 16);
  return join(home, '.walship', 'run', `${id}-${index}`);
};

export interface LaneSetup {
  args: ParsedArchiveArgs;
  dataDir: string;
  key: string;
  env: NodeJS.ProcessEnv;
  /** ControlPersist: a master left by a killed agent goes away by itself after this long. */
  persistSeconds: number;
}

export async function createLanes(setup: LaneSetup): Promise<Lane[]> {
  const { args } = setup;
  const home = setup.env.HOME;
  // An s3:// target has no ssh master: each lane gets its own object-store transport (its own client
  // and keep-alive pool, reused batch after batch), whose stderr tail is that lane's status detail.
  const objectStore = isObjectStoreUrl(args.host);
  if (args.options.transport === 'ssh' && home !== undefined && !objectStore) await mkdir(join(home, '.walship', 'run'), { recursive: true, mode: 0o700 });
  return Array.from({ length: args.options.jobs }, (_, index): Lane => {
    const stderr = createStderrTail();
    if (args.options.transport === 'local' || home === undefined || objectStore) {
      const transport = createTransport({ kind: args.options.transport, host: args.host, user: args.options.user, stderr, env: setup.env, localServer: loadServerMain, objectStore: args.options });
      return { index, transport, stderr, controlPath: undefined };
    }
    const controlPath = laneControlPath(home, setup.dataDir, setup.key, index);
    const target = {
      host: args.host, user: args.options.user, ...(args.options.port === undefined ? {} : { port: args.options.port }),
      reuseSeconds: setup.persistSeconds, controlPath, connectTimeoutSeconds: CONNECT_TIMEOUT_SECONDS, quiet: false,
    };
    const lane: Lane = {
      index, stderr, controlPath,
      transport: {
        label: `${args.options.user}@${args.host}`,
        run: (remoteArgs) => runSshCommand({ ...target, stderr, env: setup.env, label: `${args.options.user}@${args.host}` }, barmanCommand(remoteArgs)),
        // Closing a lane ends its master: none is left behind when the agent exits.
        close: () => exitLaneMaster(lane, args, setup.env),
      },
    };
    return lane;
  });
}

/** `ssh -O exit` on a lane's socket, if there is one: the master (ours or a killed agent's) ends now. */
export async function exitLaneMaster(lane: Lane, args: ParsedArchiveArgs, env: NodeJS.ProcessEnv): Promise<void> {
  if (lane.controlPath === undefined || !(await stat(lane.controlPath).then(() => true, () => false))) return;
  const argv = ['-o', `ControlPath=${lane.controlPath}`, '-O', 'exit'];
  if (args.options.port !== undefined) argv.push('-p', String(args.options.port));
  argv.push(`${args.options.user}@${args.host}`);
  await new Promise<void>((done) => {
    const child = spawn('ssh', argv, { stdio: 'ignore', env });
    child.on('error', () => done());
    child.on('exit', () => done());
  });
}
