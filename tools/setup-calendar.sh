#!/usr/bin/env bash
# Installs the independent iCalendar parser the calendar tests expand exports with:
# Mozilla's ical.js (the parser inside Thunderbird), pinned by tests/js/package-lock.json.
# test.sh runs every tools/setup-*.sh; in CI (CI=true) a missing node or npm is an error,
# because tests/test_calendar.py must never skip there.
set -euo pipefail
cd "$(dirname "$0")/../tests/js"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "setup-calendar: node and npm are required in CI (tests/test_calendar.py runs ical.js)" >&2
    exit 1
  fi
  echo "setup-calendar: node or npm not found; the ical.js calendar tests will be skipped" >&2
  exit 0
fi

npm ci --no-audit --no-fund --loglevel=error
