// Worker entries are started as `node <bundle>/<entry>.js` and recognised in either form.
import { describe, expect, it } from 'vitest';
import { entryInvocation, runsEntry } from '../../../src/cli/entry-spawn.js';

describe('entry spawning', () => {
  it('outside the single-file executable, runs the entry bundle beside this module with the same Node', () => {
    const { command, args } = entryInvocation('archive-agent', ['--async', 'h']);
    expect(command).toBe(process.execPath);
    expect(args[0]).toMatch(/\/archive-agent\.js$/);
    expect(args.slice(1)).toEqual(['--async', 'h']);
  });

  it('recognises an agent command line of either install form, and nothing else', () => {
    expect(runsEntry(['/usr/bin/node', '/opt/walship/dist/bundle/archive-agent.js', 'h'], 'archive-agent')).toBe(true);
    expect(runsEntry(['/usr/lib/walship/walship', 'archive-agent', 'h'], 'archive-agent')).toBe(true);
    expect(runsEntry(['/usr/lib/walship/walship', 'prefetch-main', '{}'], 'archive-agent')).toBe(false);
    expect(runsEntry(['/bin/sleep', '100'], 'archive-agent')).toBe(false);
  });
});
