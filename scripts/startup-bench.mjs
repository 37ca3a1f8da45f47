// Start-up of `walship-archive --version` in each form walship ships (issue 11 item 2): the bundled
// Node entry, the bin/ sh wrapper that execs Node, the single-file executable directly and through
// its sh wrapper, and the snapshot build when one was made (`npm run package -- --snapshot`).
// Median of N runs, wall time of spawn to exit. Usage: node scripts/startup-bench.mjs [N] (default 30).
// Needs `npm run build` and `npm run package`; forms whose files are missing are skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 30);

const forms = [
  ['node dist/bundle/archive.js', [process.execPath, `${root}dist/bundle/archive.js`]],
  ['bin/walship-archive (sh → node)', [`${root}bin/walship-archive`]],
  ['dist/pkg/walship (SEA, by name)', [`${root}dist/pkg/walship`, 'walship-archive']],
  ['dist/pkg/walship-archive (sh → SEA)', [`${root}dist/pkg/walship-archive`]],
  ['dist/pkg-snapshot/walship (SEA + V8 snapshot)', [`${root}dist/pkg-snapshot/walship`, 'walship-archive']],
];

/** Milliseconds of one run; throws when the command does not print its version. */
function timeOnce([command, ...args]) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, [...args, '--version'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 || !/^walship-archive \S+\n$/.test(result.stdout)) {
    throw new Error(`${command} ${args.join(' ')} --version: status ${result.status}, stdout ${JSON.stringify(result.stdout)}, stderr ${result.stderr}`);
  }
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// Rounds run every form once each, interleaved, so that load from other processes on a shared
// machine falls on all forms alike instead of on whichever ran during a busy spell.
const present = forms.filter(([label, argv]) => existsSync(argv[0]) || console.log(`${label.padEnd(48)} skipped (${argv[0]} not built)`));
for (const [, argv] of present) timeOnce(argv); // warm the page cache: the SEA binary is ~100 MB
const times = present.map(() => []);
for (let round = 0; round < runs; round++) present.forEach(([, argv], i) => times[i].push(timeOnce(argv)));
console.log(`walship-archive --version, median of ${runs} interleaved runs (ms)`);
present.forEach(([label], i) => {
  const t = times[i];
  console.log(`${label.padEnd(48)} ${median(t).toFixed(1).padStart(7)}   (min ${Math.min(...t).toFixed(1)}, max ${Math.max(...t).toFixed(1)})`);
});
