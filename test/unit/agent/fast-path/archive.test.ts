// bin/walship-archive's sh fast path (issue 9 design §1.1), one case per branch, under dash and bash:
// 0 only for an ack that is a hard link to %p in an armed slot of ours; anything else execs node.
import { chown, link, rm, symlink, writeFile, copyFile, mkdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACK_DIR, PM_FILE, POSTMASTER_PID_FILE, STATUS_DIR, TARGET_FILE, WANT_DIR } from '../../../../src/agent/layout.js';
import { binPath, describeRun, type RunResult } from '../../../helpers/run.js';
import {
  armAgent, DEAD_PID, makeCluster, NODE_RAN, runEntry, SEG, SHELLS, sleep, startFakeAgent, takeNodeCalls, TARGET_ARGS,
  type FakeCluster,
} from './cluster.js';

const WAL_PATH = `pg_wal/${SEG}`;

describe.each(SHELLS)('walship-archive fast path under %s', (shell) => {
  let c: FakeCluster;
  let ack = '';
  beforeEach(async () => {
    c = await makeCluster('archive');
    await writeFile(join(c.data, WAL_PATH), 'segment bytes');
    ack = join(c.slot, ACK_DIR, SEG);
  });
  afterEach(async () => rm(c.data, { recursive: true, force: true }));

  const archive = (args: readonly string[] = [...TARGET_ARGS, WAL_PATH], name = 'walship-archive') => runEntry(shell, name, args, c);
  /** The Node path was taken, once, with exactly the arguments given and the entry's own path first. */
  const expectNode = async (r: RunResult, args: readonly string[] = [...TARGET_ARGS, WAL_PATH], name = 'walship-archive') => {
    expect(r.code, describeRun(r)).toBe(NODE_RAN);
    expect(await takeNodeCalls(c)).toEqual([[binPath(name), ...args]]);
  };
  const expectServed = async (r: RunResult) => {
    expect({ code: r.code, stderr: r.stderr }, describeRun(r)).toEqual({ code: 0, stderr: '' });
    expect(await takeNodeCalls(c)).toEqual([]);
  };

  it('an ack that is a hard link to %p answers 0 without starting node, under either name', async () => {
    await link(join(c.data, WAL_PATH), ack);
    await expectServed(await archive());
    await expectServed(await archive(undefined, 'barman-wal-archive'));
  });

  it('an ack that is a copy, a symlink to %p itself, or missing goes to node, silently', async () => {
    await copyFile(join(c.data, WAL_PATH), ack);
    const copy = await archive();
    await expectNode(copy);
    expect(copy.stderr).toBe('');
    await rm(ack);
    await symlink(join(c.data, WAL_PATH), ack);
    await expectNode(await archive());
    await rm(ack);
    await expectNode(await archive());
  });

  it('no slot (no agent ever ran here) goes to node, silently', async () => {
    await rm(c.slot, { recursive: true });
    const r = await archive();
    expect(r.stderr).toBe('');
    await expectNode(r);
  });

  it.runIf(process.getuid?.() === 0)('a slot owned by another user: one WARNING, then node', async () => {
    await link(join(c.data, WAL_PATH), ack);
    await chown(c.slot, 65534, 65534);
    const r = await archive();
    expect(r.stderr).toBe('WARNING: async state directory pg_wal/.walship/archive is a symbolic link or not owned by this user; not used\n');
    await expectNode(r);
  });

  it('a symlinked slot: one WARNING, then node', async () => {
    await link(join(c.data, WAL_PATH), ack);
    await rm(c.slot, { recursive: true });
    await symlink(join(c.data, 'pg_wal', 'elsewhere'), c.slot);
    await mkdir(join(c.data, 'pg_wal', 'elsewhere'));
    const r = await archive();
    expect(r.stderr).toMatch(/^WARNING: async state directory pg_wal\/\.walship\/archive is a symbolic link/);
    await expectNode(r);
  });

  it('a fence of another postmaster, or no postmaster.pid, goes to node', async () => {
    await link(join(c.data, WAL_PATH), ack);
    await writeFile(join(c.slot, PM_FILE), '4242 1700000001\n');
    await expectNode(await archive());
    await writeFile(join(c.slot, PM_FILE), '4242 1700000000\n');
    await rm(join(c.data, POSTMASTER_PID_FILE));
    await expectNode(await archive());
  });

  it('a slot armed for another target goes to node', async () => {
    await link(join(c.data, WAL_PATH), ack);
    await writeFile(join(c.slot, TARGET_FILE), '--async -U barman other-host pg\n');
    await expectNode(await archive());
  });

  it.each([['a space', 'backup host'], ['a tab', 'backup\thost'], ['a newline', 'backup\nhost'], ['a backslash', 'backup\\host'], ['nothing', '']])(
    'an argument holding %s goes to node, with the arguments intact', async (_what, host) => {
      const args = ['--async', '-U', 'barman', host, 'pg'];
      await writeFile(join(c.slot, TARGET_FILE), `${args.join(' ')}\n`);
      await link(join(c.data, WAL_PATH), ack);
      await expectNode(await archive([...args, WAL_PATH]), [...args, WAL_PATH]);
    });

  it('without --async (the sync mode) goes to node', async () => {
    const args = ['-U', 'barman', 'backup-host', 'pg', WAL_PATH];
    await writeFile(join(c.slot, TARGET_FILE), `${args.slice(0, -1).join(' ')}\n`);
    await link(join(c.data, WAL_PATH), ack);
    await expectNode(await archive(args), args);
  });

  it('an absolute WAL_PATH, or one that is not a WAL name in pg_wal, goes to node', async () => {
    await link(join(c.data, WAL_PATH), ack);
    for (const path of [join(c.data, WAL_PATH), `./${WAL_PATH}`, 'pg_wal/..', 'pg_wal/.', 'pg_wal/']) {
      await expectNode(await archive([...TARGET_ARGS, path]), [...TARGET_ARGS, path]);
    }
    await expectNode(await archive([]), []);
    await expectNode(await archive(['--help']), ['--help']);
  });

  it('a WAL_PATH that reaches an acked file only through other directories goes to node', async () => {
    await link(join(c.data, WAL_PATH), ack);
    await mkdir(join(c.data, 'pg_wal', 'sub'));
    await mkdir(join(c.slot, ACK_DIR, 'sub'));
    const path = `pg_wal/sub/../${SEG}`;
    await expectNode(await archive([...TARGET_ARGS, path]), [...TARGET_ARGS, path]);
  });

  it('a recorded error for the segment or a global one goes to node, which prints it', async () => {
    await armAgent(c);
    await writeFile(join(c.slot, STATUS_DIR, `${SEG}.error`), '3\nssh failed\n');
    await expectNode(await archive());
    await rm(join(c.slot, STATUS_DIR, `${SEG}.error`));
    await writeFile(join(c.slot, STATUS_DIR, 'global.error'), '3\nssh failed\n');
    await expectNode(await archive());
  });

  it('no agent, a dead one, or an agent.pid that kill would misread goes to node without waiting', async () => {
    await expectNode(await archive());
    for (const pid of [DEAD_PID, 0, -1]) {
      await armAgent(c, pid);
      await expectNode(await archive());
    }
    await expect(access(join(c.slot, WANT_DIR, SEG))).rejects.toThrow();
  });

  it('a live agent: writes want/, and an ack linked ~50 ms later answers 0', async () => {
    await armAgent(c);
    const call = archive();
    await sleep(50);
    await link(join(c.data, WAL_PATH), ack);
    await expectServed(await call);
    await access(join(c.slot, WANT_DIR, SEG));
  });

  it('the wait ends in node when the agent dies or records an error for the segment', async () => {
    const agent = startFakeAgent();
    await armAgent(c, agent.pid);
    const call = archive();
    await sleep(50);
    agent.kill('SIGKILL');
    await expectNode(await call);
    await armAgent(c);
    const again = archive();
    await sleep(50);
    await writeFile(join(c.slot, STATUS_DIR, `${SEG}.error`), '2\nheader mismatch\n');
    await expectNode(await again);
  });

  it('the wait gives up after its ~3 s and goes to node', async () => {
    await armAgent(c);
    await expectNode(await archive());
  });
});

describe.each(SHELLS)('walship-archive fast path under %s, s3:// target', (shell) => {
  const args = ['--async', '--endpoint-url', 'http://127.0.0.1:7480', 's3://walship/pg15', 'pg'];
  const armedEnv = { AWS_REGION: 'eu-1', AWS_ENDPOINT_URL: 'https://one.example.net' };
  let c: FakeCluster;
  beforeEach(async () => {
    c = await makeCluster('archive', args, armedEnv);
    await writeFile(join(c.data, WAL_PATH), 'segment bytes');
    await link(join(c.data, WAL_PATH), join(c.slot, ACK_DIR, SEG));
  });
  afterEach(async () => rm(c.data, { recursive: true, force: true }));

  it('the environment the slot was armed with: 0 without node (sh builds the key TypeScript wrote)', async () => {
    const r = await runEntry(shell, 'walship-archive', [...args, WAL_PATH], c, armedEnv);
    expect({ code: r.code, stderr: r.stderr }, describeRun(r)).toEqual({ code: 0, stderr: '' });
    expect(await takeNodeCalls(c)).toEqual([]);
  });

  it.each([
    ['another AWS_ENDPOINT_URL', { ...armedEnv, AWS_ENDPOINT_URL: 'https://two.example.net' }],
    ['another AWS_REGION', { ...armedEnv, AWS_REGION: 'eu-2' }],
    ['AWS_ENDPOINT_URL_S3 added', { ...armedEnv, AWS_ENDPOINT_URL_S3: 'https://one.example.net' }],
  ])('%s (a reload that names another store): node, never the ack', async (_what, env) => {
    const r = await runEntry(shell, 'walship-archive', [...args, WAL_PATH], c, env);
    expect(r.code, describeRun(r)).toBe(NODE_RAN);
    expect(await takeNodeCalls(c)).toEqual([[binPath('walship-archive'), ...args, WAL_PATH]]);
  });
});
