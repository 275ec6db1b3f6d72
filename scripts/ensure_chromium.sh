#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the browser tests
# (tests/test_browser.py drives it with Playwright; no `playwright install`).
# Quiet and idempotent: returns at once when it is already there. Exit 1 if it
# cannot be installed (no root, no apt, no network).
set -u
BROWSER=/usr/bin/chromium
[ -x "$BROWSER" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium.sh: no apt-get here; install chromium yourself" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! $SUDO apt-get install -y -q --no-install-recommends chromium >"$log" 2>&1; then
    # The package lists may be stale or missing: refresh them once and retry.
    $SUDO apt-get update -q >>"$log" 2>&1
    $SUDO apt-get install -y -q --no-install-recommends chromium >>"$log" 2>&1
fi
if [ -x "$BROWSER" ]; then
    rm -f "$log"
    exit 0
fi
echo "ensure_chromium.sh: could not install chromium; see $log" >&2
exit 1
