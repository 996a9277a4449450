#!/usr/bin/env bash
# The project's one test command (README quick start; .ci/run calls it on a clean clone).
# Installs everything the tests need into .venv, then runs ruff, mypy (strict) and pytest.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

# Independent parsers and browsers the tests drive: ical.js under node for the calendar,
# headless Chromium for the HTML report. Each step installs what is missing.
for step in tools/setup-*.sh; do
  [ -e "$step" ] && bash "$step"
done

.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
