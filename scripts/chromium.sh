#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests if the machine has none; prints its path.
# (Playwright's own browser download cannot work here: Debian's build is used instead.)
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2
  else
    { sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2
  fi
fi
echo /usr/bin/chromium
