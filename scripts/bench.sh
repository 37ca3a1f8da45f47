#!/usr/bin/env bash
# `npm run bench`: install what the comparison needs (real barman, barman-cli, sshd, PostgreSQL),
# build, then run bench/bench.ts. WALSHIP_BENCH_SEGMENTS sets the number of segments (default 16).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >&2
npm run build --silent
exec npx vite-node bench/bench.ts
