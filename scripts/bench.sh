#!/usr/bin/env bash
# `npm run bench`: install what the comparison needs (real barman, barman-cli, sshd, PostgreSQL via
# install-deps.sh; Debian's pgbackrest here, since only the bench uses it), build, then run
# bench/bench.ts. Knobs (bench/env.ts): WALSHIP_BENCH_SEGMENTS (16), WALSHIP_BENCH_PITR_SEGMENTS (32),
# WALSHIP_BENCH_SUSTAINED_SECONDS (60), WALSHIP_BENCH_DRAIN_SECONDS (90), WALSHIP_BENCH_SCENARIOS,
# WALSHIP_BENCH_{ARCHIVE,SUSTAINED,RESTORE,PITR}_TOOLS (comma-separated tool ids), WALSHIP_BENCH_README=0.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >&2
if ! dpkg-query -W -f='${Status}' pgbackrest 2>/dev/null | grep -q 'install ok installed'; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench: pgbackrest (Debian package) is missing; run as root or: sudo apt-get install pgbackrest" >&2
    exit 1
  fi
  echo "bench: installing pgbackrest" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbackrest >&2
fi
npm run build --silent
exec npx vite-node bench/bench.ts
