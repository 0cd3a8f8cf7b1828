#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests if the machine has none, with the Noto CJK fonts
# (the Chinese pages' screenshots need them); prints its path.
# (Playwright's own browser download cannot work here: Debian's build is used instead.)
set -euo pipefail
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || packages+=(fonts-noto-cjk)
if [ "${#packages[@]}" -gt 0 ]; then
  # Without the fonts the tests still run (Chinese shows as boxes in screenshots): only Chromium is a must.
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; } >&2 \
      || [ -x /usr/bin/chromium ]
  else
    { sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; } >&2 \
      || [ -x /usr/bin/chromium ]
  fi
fi
echo /usr/bin/chromium
