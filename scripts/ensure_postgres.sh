#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432: start the local
# Debian cluster if it is installed but down. Exit 1 if none can be had.
set -u
ready() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h 127.0.0.1 -p 5432
    else
        (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
    fi
}
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 30); do
        ready && exit 0
        sleep 0.5
    done
fi
exit 1
