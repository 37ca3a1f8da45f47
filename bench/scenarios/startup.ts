// Start-up cost of each client before it does any work (issue 11 compares later entries against
// these): `sh -c true` is the harness's own floor, `walship-archive --version` the bundled Node entry.

import { binPath } from '../../test/helpers/run.js';
import type { Caller } from '../call.js';
import type { StartupResult } from './types.js';

const PROBES: Array<[string, string]> = [
  ['/bin/sh -c true (the harness floor)', 'true'],
  ['node -e 0', 'node -e 0'],
  ['walship-archive --version (sh entry → bundled Node)', `${binPath('walship-archive')} --version`],
  ['pgbackrest version (C)', '/usr/bin/pgbackrest version'],
  ['barman-wal-archive --version (Python)', '/usr/bin/barman-wal-archive --version'],
];

export async function runStartup(caller: Caller, runs: number, log: (line: string) => void): Promise<StartupResult[]> {
  log('start-up probes');
  const results: StartupResult[] = [];
  for (const [label, command] of PROBES) {
    const calls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await caller.call(command, '/tmp', { p: '', f: '' });
      if (r.code !== 0) throw new Error(`${label}: exit ${r.code}: ${r.stderr}`);
      calls.push(r.ms);
    }
    results.push({ label, calls });
  }
  return results;
}
