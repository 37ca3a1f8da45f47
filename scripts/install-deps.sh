#!/usr/bin/env bash
# Installs what walship's tests run against (real PostgreSQL 15, OpenSSH, Debian's barman,
# barman-cli and barman-cli-cloud, a one-node Ceph radosgw) and the npm dependencies, doing nothing when everything is already there.
set -euo pipefail

cd "$(dirname "$0")/.."

# Debian 12 packages. pgbench ships in postgresql-15 itself (dpkg -S /usr/lib/postgresql/15/bin/pgbench),
# so postgresql-contrib is not needed. coreutils (timeout, which every test server runs under) is
# Essential and always present; the rest can be missing from a minimal image.
packages=(
  postgresql-15      # initdb, postgres, pg_basebackup, pgbench (+ psql via postgresql-client-15)
  openssh-server     # /usr/sbin/sshd, started by the tests on 127.0.0.1
  openssh-client     # ssh, ssh-keygen
  barman             # the real Barman server: put-wal/get-wal for compatibility tests
  barman-cli         # the real barman-wal-archive / barman-wal-restore clients
  dpkg-dev           # dpkg-shlibdeps: the .deb's Depends, read from the binary (scripts/package-deb.mjs)
  bzip2 gzip tar     # reference tools that check what walship writes
  xz-utils zstd lz4  # decoders get-wal uses for xz/zstd/lz4-stored WAL (and the tests that store them)
  python3            # barman and barman-cli are Python
  procps             # ps/pgrep for diagnosing leftover processes
  util-linux         # runuser
  postgresql-15-repmgr  # repmgr 5.3: the repmgr tests (clone, switchover, rejoin) run the real thing
  patroni            # Patroni 3.0.2: the Patroni tests (failover, pg_rewind, custom replica/bootstrap methods)
  etcd-server        # etcd 3.4: Patroni's DCS in the tests, on 127.0.0.1 (the package's own service is not used)
  ceph-mon ceph-osd radosgw  # Ceph 16.2: the object-storage tests' S3 store (test/helpers/ceph.ts), one node on 127.0.0.1
  barman-cli-cloud   # barman-cloud-wal-archive / -restore 3.4 (+ python3-boto3): object-storage compatibility tests
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: the integration tests need them; run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Package scripts may start the stock PostgreSQL cluster (port 5432) or sshd (port 22): left alone,
  # the tests use servers of their own on other ports. The barman package adds /etc/cron.d/barman
  # (`barman cron` each minute if cron runs): harmless, as tests never use /etc/barman.conf's servers.
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm dependencies: `npm ci` (the exact locked versions) when node_modules is absent or older than
# the lockfile (npm records each install in node_modules/.package-lock.json). The lockfile lists
# every optional platform package of rollup and esbuild, so `npm ci` works on any machine.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund
fi
