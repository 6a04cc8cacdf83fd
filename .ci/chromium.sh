#!/usr/bin/env bash
# Install Debian's chromium for the report's browser test, unless it is already there.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
echo "installing chromium from the distribution packages (browser test of the HTML report)" >&2
if [[ "$(id -u)" -eq 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
