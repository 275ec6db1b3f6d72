#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests.
# - installed but down: start the local Debian cluster;
# - not installed: under CI (CI=true) or with HYPERSWEEP_INSTALL_POSTGRES=1, install the
#   Debian package `postgresql` with apt-get (as root, or through sudo), let local TCP
#   connections in without a password (trust, 127.0.0.1 only: a throw-away test
#   server), and start it; elsewhere say how, and change nothing on this machine.
# Exit 1, saying why, if no server can be had.
set -u
ready() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p 5432
    else
        (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
    fi
}
flag() { case "${1:-}" in "" | 0 | false | no) return 1 ;; *) return 0 ;; esac; }
say() { echo "scripts/ensure_postgres.sh: $*" >&2; }
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
        say "need root (or sudo) to run: $*"; return 1; fi
}
start_clusters() {
    [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1 || return 1
    for version in $(ls /etc/postgresql); do
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 60); do
        ready && return 0
        sleep 0.5
    done
    return 1
}
install_postgres() {
    command -v apt-get >/dev/null 2>&1 || { say "no apt-get here: install PostgreSQL yourself"; return 1; }
    say "installing PostgreSQL with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null ||
        { say "apt-get install postgresql failed"; return 1; }
    for dir in /etc/postgresql/*/main; do  # the tests connect as postgres, without a password
        [ -f "$dir/pg_hba.conf" ] || continue
        as_root sed -i '1i host all all 127.0.0.1/32 trust' "$dir/pg_hba.conf"
        version=$(basename "$(dirname "$dir")")  # apt may have started it: read the rule now
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1 || true
    done
}

ready && exit 0
start_clusters && exit 0
if [ -d /etc/postgresql ] && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "PostgreSQL is installed but did not start (see /var/log/postgresql/)"
    exit 1
fi
if flag "${CI:-}" || flag "${HYPERSWEEP_INSTALL_POSTGRES:-}"; then
    install_postgres && start_clusters && exit 0
    say "could not install and start PostgreSQL"
    exit 1
fi
say "no PostgreSQL server on 127.0.0.1:5432; install it with" \
    "'sudo apt-get install postgresql' or run with HYPERSWEEP_INSTALL_POSTGRES=1"
exit 1
