// A fake data directory for the sh fast paths (postmaster.pid, pg_wal, an armed slot, built from the
// layout's names) and a runner that executes a bin/ entry under dash or bash, as `dash FILE` does,
// with the node stub first on PATH: every Node path taken shows up in the stub's log.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AGENT_PID_FILE, PM_FILE, POSTMASTER_PID_FILE, SLOT_DIRS, slotPath, stateDirPath, TARGET_FILE, type SlotRole,
} from '../../../../src/agent/layout.js';
import { targetKey } from '../../../../src/agent/target-key.js';
import { binPath, repoRoot, run, type RunResult } from '../../../helpers/run.js';

/** /bin/sh is dash here; bash is what other systems' /bin/sh often is. */
export const SHELLS = ['dash', 'bash'] as const;
export type Shell = (typeof SHELLS)[number];

export const SEG = '0000000100000000000000A2';
/** The target arguments every case uses, unless it is about them. */
export const TARGET_ARGS = ['--async', '-U', 'barman', 'backup-host', 'pg'];
/** Status of the node stub: the sh entries never exit with it themselves. */
export const NODE_RAN = 42;
/** Above pid_max (at most 2^22): kill -0 always fails. */
export const DEAD_PID = 4_194_305;

const STUB_DIR = `${repoRoot}/test/fixtures/agent/node-stub`;
const PM_PID = '4242';
const PM_START = '1700000000';

export interface FakeCluster {
  data: string;
  slot: string;
  nodeLog: string;
}

/** A data dir whose `role` slot is armed for its postmaster.pid and the key of `args`. */
export async function makeCluster(role: SlotRole, args: readonly string[] = TARGET_ARGS, env: NodeJS.ProcessEnv = {}): Promise<FakeCluster> {
  const data = await mkdtemp(join(tmpdir(), 'walship-fast-path-'));
  await writeFile(join(data, POSTMASTER_PID_FILE), `${PM_PID}\n${data}\n${PM_START}\n5432\n/tmp\nlocalhost\n  5432001 0\nready   \n`);
  await mkdir(join(data, 'pg_wal'), { mode: 0o700 });
  await mkdir(stateDirPath(data), { mode: 0o700 });
  const slot = slotPath(data, role);
  await mkdir(slot, { mode: 0o700 });
  for (const dir of SLOT_DIRS[role]) await mkdir(join(slot, dir), { mode: 0o700 });
  await writeFile(join(slot, PM_FILE), `${PM_PID} ${PM_START}\n`);
  await writeFile(join(slot, TARGET_FILE), `${targetKey(args, env) ?? 'unusable'}\n`);
  return { data, slot, nodeLog: join(data, 'node-stub.log') };
}

/** agent.pid as the lock writes it: "<pid> <starttime>". The default is this (live) process. */
export const armAgent = (c: FakeCluster, pid: number = process.pid): Promise<void> =>
  writeFile(join(c.slot, AGENT_PID_FILE), `${pid} 12345\n`);

/** A live stand-in agent, to be killed while a call waits on it. */
export function startFakeAgent(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}

/** Runs bin/<name> with `args` from the data dir, as PostgreSQL does (cwd = data dir). */
export function runEntry(shell: Shell, name: string, args: readonly string[], c: FakeCluster, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run([shell, binPath(name), ...args], {
    cwd: c.data,
    env: { ...env, PATH: `${STUB_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`, NODE_STUB_LOG: c.nodeLog },
    timeoutMs: 30_000,
  });
}

/** The argv of every Node start since the last call (each begins with the entry's own path). */
export async function takeNodeCalls(c: FakeCluster): Promise<string[][]> {
  let raw: string;
  try {
    raw = await readFile(c.nodeLog, 'utf8');
  } catch {
    return [];
  }
  await rm(c.nodeLog);
  const fields = raw.split('\0').slice(0, -1);
  const calls: string[][] = [];
  while (fields.length > 0) {
    const count = Number(fields.shift());
    calls.push(fields.splice(0, count));
  }
  return calls;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
