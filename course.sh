#!/usr/bin/env bash
# Set up everything the course needs on a fresh Debian or Ubuntu machine, then:
#   ./course.sh serve [--port 8000]   build the course and serve it on 127.0.0.1 with live reload
#   ./course.sh test [pytest args]    run every test (unit, sims, builder, browser)
#   ./course.sh bench                 run the performance benchmark
#   ./course.sh setup                 install the Python packages and the test tools, no browser
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY="$VENV/bin/python"

log() { printf '\033[1m%s\033[0m\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  command -v apt-get >/dev/null || { log "Please install: $*"; exit 1; }
  log "Installing $* with apt-get"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

setup_python() {
  if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; python3 -m venv "$VENV"; }
  fi
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    log "Installing Python dependencies into $VENV"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e ".[test]"
    touch "$stamp"
  fi
}

setup_node() {
  # npm fetches the pinned Pyodide runtime (and the test tools) from the npm registry.
  command -v npm >/dev/null || apt_install nodejs npm
}

setup_tools() {
  # The quality gates' tools, pinned in tools/package-lock.json: axe-core and the Nu HTML checker.
  local stamp="tools/node_modules/.installed-$(sha256sum tools/package-lock.json | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    log "Installing the test tools into tools/node_modules"
    # --ignore-scripts: vnu-jar's install script would download a Java runtime; ours comes from apt.
    npm ci --prefix tools --ignore-scripts --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
  command -v java >/dev/null || apt_install default-jre-headless
}

setup_browser() {
  # A Playwright-installed Chromium when there is one, else the system's Chromium.
  if "$PY" - <<'PY' 2>/dev/null; then return; fi
import os, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    sys.exit(0 if os.path.exists(p.chromium.executable_path) else 1)
PY
  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || apt_install chromium
}

command="${1:-}"
shift || true
case "$command" in
  serve)
    setup_python; setup_node
    exec "$PY" build.py serve "$@" ;;
  test)
    setup_python; setup_node; setup_tools; setup_browser
    # The sims are small: one BLAS thread is faster on small matrices, as in the browser.
    OPENBLAS_NUM_THREADS=1 exec "$PY" -m pytest "$@" ;;
  bench)
    setup_python; setup_node; setup_browser
    exec "$PY" bench.py "$@" ;;
  setup)
    setup_python; setup_node; setup_tools ;;
  *)
    echo "usage: ./course.sh serve|test|bench|setup [args]" >&2; exit 2 ;;
esac
