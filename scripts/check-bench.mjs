// Bench for `walship-server check` (issue 12): an archive of 10,000 synthetic 16 MiB segments (valid
// long page headers, sparse files, so no disk is used) checked by the built bin/walship-server, and
// `check --verify` throughput on 200 of them plain and 50 stored gzip-compressed. Not a test: it prints.
// Usage: npm run build && node scripts/check-bench.mjs [SEGMENTS]
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const SIZE = 16 << 20;
const PER_LOG = 0x1_0000_0000 / SIZE;
const SEGMENTS = Number(process.argv[2] ?? 10_000);
const server = fileURLToPath(new URL('../bin/walship-server', import.meta.url));
const hex = (n) => n.toString(16).toUpperCase().padStart(8, '0');
const nameOf = (segno) => `${hex(1)}${hex(Math.floor(segno / PER_LOG))}${hex(segno % PER_LOG)}`;

function header(segno) {
  const head = Buffer.alloc(40);
  head.writeUInt16LE(0xd110, 0);
  head.writeUInt16LE(0x0006, 2);
  head.writeUInt32LE(1, 4);
  head.writeBigUInt64LE(BigInt(segno) * BigInt(SIZE), 8);
  head.writeBigUInt64LE(7300000000000000001n, 24);
  head.writeUInt32LE(SIZE, 32);
  head.writeUInt32LE(8192, 36);
  return head;
}

function makeArchive(count, { gzip = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'walship-check-bench-'));
  const incoming = join(dir, 'home', 'pg', 'incoming');
  mkdirSync(incoming, { recursive: true });
  writeFileSync(join(dir, 'barman.conf'), `[barman]\nbarman_home = ${dir}/home\n\n[pg]\ndescription = bench\n`);
  for (let segno = 1; segno <= count; segno++) {
    const path = join(incoming, nameOf(segno));
    if (gzip) {
      const bytes = Buffer.alloc(SIZE);
      header(segno).copy(bytes);
      writeFileSync(path, gzipSync(bytes, { level: 1 }));
      continue;
    }
    const fd = openSync(path, 'w');
    writeSync(fd, header(segno), 0, 40, 0);
    ftruncateSync(fd, SIZE);
    closeSync(fd);
  }
  return dir;
}

function timeCheck(dir, extra) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [server, '-c', join(dir, 'barman.conf'), 'check', ...extra, 'pg'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

const big = makeArchive(SEGMENTS);
try {
  const runs = [1, 2, 3, 4, 5].map(() => timeCheck(big, ['--nagios']));
  const times = runs.map((run) => run.ms).sort((a, b) => a - b);
  console.log(`check --nagios on ${SEGMENTS} segments: median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)}), exit ${runs[0].status}, process start included`);
  console.log(`  ${runs[0].stdout.slice(0, 200)}`);
} finally {
  rmSync(big, { recursive: true, force: true });
}
for (const [label, count, gzip] of [['plain (sparse)', 200, false], ['gzip -1', 50, true]]) {
  const dir = makeArchive(count, { gzip });
  try {
    const run = timeCheck(dir, ['--verify']);
    const line = run.stdout.split('\n').find((text) => text.includes('verify:')) ?? run.stdout;
    console.log(`check --verify, ${count} ${label} segments: ${line.trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
