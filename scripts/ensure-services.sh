#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis *binaries* the test suite starts are on this machine.
# The tests start their own throw-away servers on 127.0.0.1 (see tests/servers.py); this script only installs.
# Installs with apt-get when missing and we are root (or have sudo); otherwise says what is missing and fails.
set -euo pipefail

need=()
pg_bin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && pg_bin="$d"
done
[ -n "$pg_bin" ] || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing ${need[*]} with apt-get (needed by the PostgreSQL and Redis tests)..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: ${need[*]} missing and not root; install them (apt-get install ${need[*]}) and rerun." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian packages try to start system services; our tests start their own, so stop any that did start.
$SUDO service redis-server stop >/dev/null 2>&1 || true
$SUDO service postgresql stop >/dev/null 2>&1 || true
