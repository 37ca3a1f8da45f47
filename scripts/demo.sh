#!/usr/bin/env bash
# The README's main job on an embedded default: a throwaway PostgreSQL 15 cluster archives through
# walship-archive (local transport) into a local walship archive, then a second cluster recovers
# from a base backup plus that archive through walship-restore, and the data is compared. Both run
# the recommended configuration, the async modes (--async), unless WALSHIP_DEMO_MODE=sync; the
# report gives the cost of each archive_command and restore_command call as PostgreSQL saw it.
# Everything lives in $WALSHIP_DEMO_DIR (default /tmp/walship-demo), left there for inspection.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh >&2
npm run build --silent

demo=${WALSHIP_DEMO_DIR:-/tmp/walship-demo}
scale=${WALSHIP_DEMO_SCALE:-20}
mode=${WALSHIP_DEMO_MODE:-async}
case $mode in
  async) archive_opts='--async'; restore_opts='--async -p 4' ;;
  sync) archive_opts=''; restore_opts="-p 8 --spool-dir $demo/spool" ;;
  *) echo "ERROR: WALSHIP_DEMO_MODE must be async or sync, not '$mode'" >&2; exit 2 ;;
esac
pgbin=/usr/lib/postgresql/15/bin
[ -x "$pgbin/initdb" ] || { echo "ERROR: PostgreSQL 15 not found in $pgbin" >&2; exit 1; }

# initdb refuses to run as root: run the clusters as the postgres system user then.
if [ "$(id -u)" -eq 0 ]; then owner=postgres; as_owner=(runuser -u postgres --); else owner=$(id -un); as_owner=(); fi

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
ms_now() { date +%s%3N; }
pgctl() { "${as_owner[@]}" "$pgbin/pg_ctl" "$@"; }
psql_at() { local port=$1; shift; "${as_owner[@]}" psql -X -At -h "$demo/run" -p "$port" -d postgres -c "$*"; }

cleanup() {
  for d in "$demo/primary" "$demo/restored"; do
    [ -f "$d/postmaster.pid" ] && pgctl -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

[ -d "$demo" ] && { cleanup; rm -rf "$demo"; }
mkdir -p "$demo/run" "$demo/archive" "$demo/log"
cat > "$demo/barman.conf" <<CONF
[barman]
barman_home = $demo/archive

[demo]
description = walship demo cluster
CONF

# A wrapper that times each archive/restore call, so the summary can report per-segment cost.
for kind in archive restore; do
  cat > "$demo/timed-$kind" <<SH
#!/bin/sh
start=\$(date +%s%N)
"$repo/bin/walship-$kind" "\$@"
status=\$?
echo "\$((\$(date +%s%N) - start)) \$status \$*" >> "$demo/log/$kind-calls.log"
exit \$status
SH
  chmod 755 "$demo/timed-$kind"
done
chown -R "$owner" "$demo"
chmod 755 "$demo"

echo "== primary: initdb, archive_command = walship-archive $archive_opts --transport local"
port=$(free_port)
"${as_owner[@]}" "$pgbin/initdb" -D "$demo/primary" -A trust -U postgres >/dev/null
cat >> "$demo/primary/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$demo/run'
wal_level = replica
archive_mode = on
archive_command = '$demo/timed-archive $archive_opts --transport local -c $demo/barman.conf localhost demo %p'
max_wal_size = 4GB
CONF
pgctl -D "$demo/primary" -l "$demo/log/primary.log" -w start >/dev/null

echo "== base backup (WAL from the archive only: -X none)"
"${as_owner[@]}" "$pgbin/pg_basebackup" -h "$demo/run" -p "$port" -U postgres -D "$demo/basebackup" -X none -c fast

echo "== generating WAL with pgbench (scale $scale)"
"${as_owner[@]}" "$pgbin/pgbench" -q -i -s "$scale" -h "$demo/run" -p "$port" -U postgres postgres >/dev/null 2>&1
"${as_owner[@]}" "$pgbin/pgbench" -T 5 -c 2 -h "$demo/run" -p "$port" -U postgres postgres >/dev/null 2>&1
expected=$(psql_at "$port" "select md5(string_agg(aid::text||':'||abalance, ',' order by aid)) from pgbench_accounts")
last=$(psql_at "$port" "select pg_walfile_name(pg_current_wal_lsn())")
psql_at "$port" "select pg_switch_wal()" >/dev/null

echo "== waiting for the archiver to reach $last"
for _ in $(seq 1 600); do
  done_wal=$(psql_at "$port" "select coalesce(last_archived_wal, '') from pg_stat_archiver")
  [[ "$done_wal" > "$last" || "$done_wal" == "$last" ]] && break
  sleep 0.2
done
read -r archived failed <<<"$(psql_at "$port" "select archived_count, failed_count from pg_stat_archiver" | tr '|' ' ')"
pgctl -D "$demo/primary" -m fast stop >/dev/null

summarise() { # log file → "calls median_ms mean_ms p95_ms failed_calls"
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean);
    const ms = lines.map((l) => Number(l.split(" ")[0]) / 1e6).sort((a, b) => a - b);
    const failed = lines.filter((l) => l.split(" ")[1] !== "0").length;
    const mean = ms.reduce((a, b) => a + b, 0) / (ms.length || 1);
    const at = (q) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] : 0);
    console.log(ms.length, at(0.5).toFixed(1), mean.toFixed(1), at(0.95).toFixed(1), failed);' "$1" 2>/dev/null || echo "0 0 0 0 0"
}
read -r a_calls a_med a_avg a_p95 a_fail <<<"$(summarise "$demo/log/archive-calls.log")"
segments=$(ls "$demo/archive/demo/incoming" | grep -cE '^[0-9A-F]{24}$' || true)
bytes=$(du -sb "$demo/archive/demo/incoming" | cut -f1)

echo "== recovering a new cluster from the base backup + walship archive (walship-restore $restore_opts)"
cp -a "$demo/basebackup" "$demo/restored"
rport=$(free_port)
cat >> "$demo/restored/postgresql.conf" <<CONF
port = $rport
archive_mode = off
restore_command = '$demo/timed-restore $restore_opts --transport local -c $demo/barman.conf localhost demo %f %p'
recovery_target_action = promote
CONF
"${as_owner[@]}" touch "$demo/restored/recovery.signal"
t0=$(ms_now)
pgctl -D "$demo/restored" -l "$demo/log/restored.log" -t 600 -w start >/dev/null
for _ in $(seq 1 3000); do
  [ "$(psql_at "$rport" "select pg_is_in_recovery()" 2>/dev/null)" = "f" ] && break
  sleep 0.2
done
recovery_ms=$(( $(ms_now) - t0 ))
actual=$(psql_at "$rport" "select md5(string_agg(aid::text||':'||abalance, ',' order by aid)) from pgbench_accounts")
pgctl -D "$demo/restored" -m fast stop >/dev/null
read -r r_calls r_med r_avg r_p95 r_fail <<<"$(summarise "$demo/log/restore-calls.log")"
restored=$(awk '$2==0' "$demo/log/restore-calls.log" | wc -l)

cat <<REPORT

walship demo ($mode mode) — $(date -u +%FT%TZ)
archive:  $segments segments in $demo/archive/demo/incoming ($((bytes / 1048576)) MiB)
          pg_stat_archiver: archived_count=$archived failed_count=$failed
          walship-archive: $a_calls calls; per call median $a_med ms, mean $a_avg ms, p95 $a_p95 ms; $a_fail failed calls
restore:  $restored files delivered by walship-restore ($r_calls calls; the rest answered "not in archive")
          per call median $r_med ms, mean $r_avg ms, p95 $r_p95 ms
          recovery to promotion: $((recovery_ms / 1000)).$(printf '%03d' $((recovery_ms % 1000))) s
data:     pgbench_accounts md5 before $expected
                               after  $actual
REPORT
if [ "$expected" = "$actual" ] && [ "$failed" = "0" ]; then echo "RESULT: OK — recovered data matches"; else echo "RESULT: FAILED"; exit 1; fi
