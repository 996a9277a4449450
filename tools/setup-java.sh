#!/usr/bin/env bash
# Installs a Java runtime for the compiled engine's Spark tests (tests/test_compiled.py runs
# the differential harness on Spark in local mode through PySpark, the spark extra, which
# test.sh installs with the dev extras). PySpark 4.0 needs Java 17 or later: Debian's
# openjdk-17-jre-headless. Idempotent: a Java 17+ already on PATH (or JAVA_HOME) is kept.
# test.sh runs every tools/setup-*.sh; in CI (CI=true) a Java that cannot be installed is an
# error, because the Spark tests must never skip there.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

# The major version of the java at $1 (0 when it does not run).
major() {
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -n 1 | grep . || echo 0
}

java=${JAVA_HOME:+$JAVA_HOME/bin/java}
[ -n "$java" ] && [ -x "$java" ] || java=$(command -v java || true)
if [ -n "$java" ] && [ "$(major "$java")" -ge 17 ]; then
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
    echo "setup-java: installing openjdk-17-jre-headless" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
    exit 0
  fi
fi

if [ "${CI:-}" = "true" ]; then
  echo "setup-java: a Java 17 runtime is required in CI and could not be installed" \
    "(needs apt-get as root or passwordless sudo)" >&2
  exit 1
fi
echo "setup-java: no Java 17 runtime found; the Spark tests will be skipped" \
  "(install the Debian package openjdk-17-jre-headless)" >&2
exit 0
