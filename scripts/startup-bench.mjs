// Start-up of `walship-archive --version` in each form walship ships (issue 11 item 2): the bundled
// Node entry, the bin/ sh wrapper that execs Node, the single-file executable directly and through
// its sh wrapper, and the snapshot build when one was made (`node scripts/package-sea.mjs --snapshot`).
// Median of N runs, wall time of spawn to exit. Usage: node scripts/startup-bench.mjs [N] [--json]
// (default 30; --json prints one JSON object instead, for `npm run bench`, bench/scenarios/startup-forms.ts).
// Needs `npm run build` and `npm run package`; forms whose files are missing are skipped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(args.find((a) => a !== '--json') ?? 30);

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
/** The file a form needs: the bundle for the node form, else the executable itself. */
const fileOf = (argv) => (argv[0] === process.execPath ? argv[1] : argv[0]);
const present = forms.filter(([, argv]) => existsSync(fileOf(argv)));
for (const [, argv] of present) timeOnce(argv); // warm the page cache: the SEA binary is ~100 MB
const times = present.map(() => []);
for (let round = 0; round < runs; round++) present.forEach(([, argv], i) => times[i].push(timeOnce(argv)));

const results = forms.map(([label, argv]) => {
  const t = times[present.findIndex(([l]) => l === label)];
  return t === undefined
    ? { label, path: fileOf(argv), measured: false }
    : { label, path: fileOf(argv), measured: true, median: median(t), min: Math.min(...t), max: Math.max(...t) };
});
if (json) {
  console.log(JSON.stringify({ command: 'walship-archive --version', runs, forms: results }));
} else {
  for (const r of results.filter((x) => !x.measured)) console.log(`${r.label.padEnd(48)} skipped (${r.path} not built)`);
  console.log(`walship-archive --version, median of ${runs} interleaved runs (ms)`);
  for (const r of results.filter((x) => x.measured)) {
    console.log(`${r.label.padEnd(48)} ${r.median.toFixed(1).padStart(7)}   (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})`);
  }
}
