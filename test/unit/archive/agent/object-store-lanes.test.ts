// An s3:// target's lanes: no ssh master, and what the far end says lands in the
// tail of the lane that asked (its status-file detail), even with every lane's command running at once.
import { describe, expect, it } from 'vitest';
import { createLanes } from '../../../../src/archive/agent/lanes.js';
import { parseArchiveArgs } from '../../../../src/archive/options.js';

const env = { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_REGION: 'us-east-1', HOME: '/nonexistent' };

describe('createLanes for an s3:// target', () => {
  it('makes --jobs lanes with no ssh master, each hearing only its own command', async () => {
    const args = parseArchiveArgs(['--async', '--jobs', '3', '--endpoint-url', 'http://127.0.0.1:9', 's3://walship/pg15', 'pg'], { stdout: process.stdout }, { walPathRequired: false })!;
    const lanes = await createLanes({ args, dataDir: '/nonexistent', key: 'k', env, persistSeconds: 60 });
    expect(lanes.map((lane) => [lane.index, lane.controlPath, lane.transport.label])).toEqual([0, 1, 2].map((i) => [i, undefined, 's3://walship/pg15']));
    // Commands the far end refuses without contacting the store, all in flight together.
    const exits = await Promise.all(lanes.map((lane) => {
      const command = lane.transport.run([`lane-${lane.index}-command`]);
      command.stdin.end();
      return command.done;
    }));
    expect(exits.map((exit) => exit.status)).toEqual([2, 2, 2]);
    expect(lanes.map((lane) => lane.stderr.take())).toEqual([0, 1, 2].map((i) => `ERROR: "lane-${i}-command" is not a command an s3:// target answers`));
    await Promise.all(lanes.map((lane) => lane.transport.close()));
  });
});
