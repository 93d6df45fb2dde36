#!/usr/bin/env bash
# Install what the Redis-backed budget tests need from Debian: redis-server (the tests start
# their own server on a free loopback port). Does nothing when it is there. Needs root (it
# runs apt-get); the machines this project runs on are.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/ratelimit/setup_redis.sh: redis-server is missing and installing it needs root" >&2
  exit 1
fi
echo "== Installing redis-server (Debian package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package may start a system service; the tests do not use it.
redis-server --version
