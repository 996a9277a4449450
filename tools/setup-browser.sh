#!/usr/bin/env bash
# Installs headless Chromium and its WebDriver for the HTML report's browser test
# (tests/test_htmlreport.py loads the heatmap page and asserts what it shows).
# test.sh runs every tools/setup-*.sh; in CI (CI=true) a browser that cannot be installed
# is an error, because the browser test must never skip there.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

if (have chromium || have chromium-browser) && have chromedriver; then
  exit 0
fi

if have apt-get; then
  if [ "$(id -u)" = "0" ]; then
    sudo=()
  elif have sudo && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    sudo=(false)
  fi
  if [ "${sudo[0]:-}" != "false" ]; then
    echo "setup-browser: installing chromium and chromium-driver" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
    exit 0
  fi
fi

if [ "${CI:-}" = "true" ]; then
  echo "setup-browser: chromium and chromedriver are required in CI and could not be" \
    "installed (needs apt-get as root or passwordless sudo)" >&2
  exit 1
fi
echo "setup-browser: chromium or chromedriver not found; the browser test will be skipped" \
  "(install the Debian packages chromium and chromium-driver)" >&2
exit 0
