#!/usr/bin/env bash
# Install what the browser tests need from Debian: chromium (driven headless by Playwright
# through its executable, so no browser is downloaded) and chromium-driver. Does nothing when
# both are there. Needs root (it runs apt-get); the machines this project runs on are.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "tests/browser/setup.sh: chromium is missing and installing it needs root" >&2
  exit 1
fi
echo "== Installing chromium and chromium-driver (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
chromium --version
