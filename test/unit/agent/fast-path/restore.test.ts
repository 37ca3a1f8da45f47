// bin/walship-restore's sh fast path (issue 9 design §1.2), one case per branch, under dash and bash:
// it claims a spooled segment onto pg_wal/RECOVERYXLOG with one rename, and never answers 1 itself.
import { access, chown, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INFLIGHT_DIR, PM_FILE, READY_DIR, SERVED_DIR, TARGET_FILE } from '../../../../src/agent/layout.js';
import { binPath, describeRun, type RunResult } from '../../../helpers/run.js';
import {
  armAgent, DEAD_PID, makeCluster, NODE_RAN, runEntry, SEG, SHELLS, sleep, takeNodeCalls, TARGET_ARGS, type FakeCluster,
} from './cluster.js';

const DEST = 'pg_wal/RECOVERYXLOG';
const BYTES = 'validated segment bytes';

describe.each(SHELLS)('walship-restore fast path under %s', (shell) => {
  let c: FakeCluster;
  let ready = '';
  beforeEach(async () => {
    c = await makeCluster('restore');
    ready = join(c.slot, READY_DIR, SEG);
    await writeFile(ready, BYTES);
  });
  afterEach(async () => rm(c.data, { recursive: true, force: true }));

  const restore = (args: readonly string[] = [...TARGET_ARGS, SEG, DEST], name = 'walship-restore') => runEntry(shell, name, args, c);
  const expectNode = async (r: RunResult, args: readonly string[] = [...TARGET_ARGS, SEG, DEST]) => {
    expect(r.code, describeRun(r)).toBe(NODE_RAN);
    expect(await takeNodeCalls(c)).toEqual([[binPath('walship-restore'), ...args]]);
  };
  const expectClaimed = async (r: RunResult) => {
    expect({ code: r.code, stderr: r.stderr }, describeRun(r)).toEqual({ code: 0, stderr: '' });
    expect(await takeNodeCalls(c)).toEqual([]);
    expect(await readFile(join(c.data, DEST), 'utf8')).toBe(BYTES);
    expect(await readdir(join(c.slot, READY_DIR))).toEqual([]);
    await access(join(c.slot, SERVED_DIR, SEG));
  };
  /** The spool was left alone: the Node path decides. */
  const expectUntouched = async () => expect(await readFile(ready, 'utf8')).toBe(BYTES);

  it('a ready segment is renamed onto RECOVERYXLOG, marked served, and 0 without node, under either name', async () => {
    await expectClaimed(await restore());
    await rm(join(c.data, DEST));
    await writeFile(ready, BYTES);
    await expectClaimed(await restore(undefined, 'barman-wal-restore'));
  });

  it('a segment not in ready/, or a symlink there, goes to node: sh never answers 1', async () => {
    await rm(ready);
    await expectNode(await restore());
    await symlink(join(c.data, 'elsewhere'), ready);
    await writeFile(join(c.data, 'elsewhere'), BYTES);
    await expectNode(await restore());
    await expect(access(join(c.data, DEST))).rejects.toThrow();
  });

  it('no slot (no agent ever ran here) goes to node, silently', async () => {
    await rm(c.slot, { recursive: true });
    const r = await restore();
    expect(r.stderr).toBe('');
    await expectNode(r);
  });

  it.runIf(process.getuid?.() === 0)('a slot owned by another user: one WARNING, then node', async () => {
    await chown(c.slot, 65534, 65534);
    const r = await restore();
    expect(r.stderr).toBe('WARNING: async state directory pg_wal/.walship/restore is a symbolic link or not owned by this user; not used\n');
    await expectNode(r);
    await expectUntouched();
  });

  it('a fence of another postmaster, or a slot armed for another target, goes to node', async () => {
    await writeFile(join(c.slot, PM_FILE), '4243 1700000000\n');
    await expectNode(await restore());
    await writeFile(join(c.slot, PM_FILE), '4242 1700000000\n');
    await writeFile(join(c.slot, TARGET_FILE), '--async -U barman backup-host other\n');
    await expectNode(await restore());
    await expectUntouched();
  });

  it.each([['a space', 'backup host'], ['a backslash', 'back\\up'], ['nothing', '']])('an argument holding %s goes to node', async (_what, host) => {
    const args = ['--async', '-U', 'barman', host, 'pg'];
    await writeFile(join(c.slot, TARGET_FILE), `${args.join(' ')}\n`);
    await expectNode(await restore([...args, SEG, DEST]), [...args, SEG, DEST]);
    await expectUntouched();
  });

  it('without --async (the sync mode) goes to node', async () => {
    const args = ['-U', 'barman', 'backup-host', 'pg'];
    await writeFile(join(c.slot, TARGET_FILE), `${args.join(' ')}\n`);
    await expectNode(await restore([...args, SEG, DEST]), [...args, SEG, DEST]);
    await expectUntouched();
  });

  it('pg_rewind (absolute %p named after the segment), history probes and odd names go to node', async () => {
    const calls: Array<[string, string]> = [
      [SEG, join(c.data, 'pg_wal', SEG)], [SEG, `pg_wal/${SEG}`], ['00000002.history', 'pg_wal/RECOVERYHISTORY'],
      ['00000002.history', DEST], [SEG.toLowerCase(), DEST], [SEG.slice(1), DEST], [`${SEG}.partial`, DEST], ['', DEST],
    ];
    for (const [name, dest] of calls) {
      // Even with a file of that name in ready/: only a segment name, claimed onto RECOVERYXLOG, is served.
      if (name !== '') await writeFile(join(c.slot, READY_DIR, name), BYTES);
      await expectNode(await restore([...TARGET_ARGS, name, dest]), [...TARGET_ARGS, name, dest]);
    }
    await expectNode(await restore([SEG]), [SEG]);
    await expectUntouched();
  });

  it('a RECOVERYXLOG already there (PostgreSQL unlinks it first) goes to node', async () => {
    await writeFile(join(c.data, DEST), 'something');
    await expectNode(await restore());
    await expectUntouched();
  });

  it('two claimers of one segment: exactly one wins, the other goes to node', async () => {
    for (let round = 0; round < 5; round += 1) {
      await rm(join(c.data, DEST), { force: true });
      await writeFile(ready, BYTES);
      const results = await Promise.all([restore(), restore()]);
      expect(results.map((r) => r.code).sort(), results.map(describeRun).join('\n')).toEqual([0, NODE_RAN]);
      expect(await takeNodeCalls(c)).toEqual([[binPath('walship-restore'), ...TARGET_ARGS, SEG, DEST]]);
      expect(await readFile(join(c.data, DEST), 'utf8')).toBe(BYTES);
    }
  });

  it('in flight at a live agent: waits, and claims what the agent publishes ~50 ms later', async () => {
    await rm(ready);
    await armAgent(c);
    await writeFile(join(c.slot, INFLIGHT_DIR, SEG), '');
    const call = restore();
    await sleep(50);
    await mkdir(join(c.slot, 'tmp'), { recursive: true });
    await writeFile(join(c.slot, 'tmp', SEG), BYTES);
    await rename(join(c.slot, 'tmp', SEG), ready);
    await rm(join(c.slot, INFLIGHT_DIR, SEG));
    await expectClaimed(await call);
  });

  it('in flight, and the fetch fails (marker removed, nothing published): node fetches it', async () => {
    await rm(ready);
    await armAgent(c);
    await writeFile(join(c.slot, INFLIGHT_DIR, SEG), '');
    const call = restore();
    await sleep(50);
    await rm(join(c.slot, INFLIGHT_DIR, SEG));
    await expectNode(await call);
  });

  it('in flight at a dead agent, or with no agent.pid: node at once', async () => {
    await rm(ready);
    await writeFile(join(c.slot, INFLIGHT_DIR, SEG), '');
    await expectNode(await restore());
    await armAgent(c, DEAD_PID);
    await expectNode(await restore());
  });
});
