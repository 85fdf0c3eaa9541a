#!/usr/bin/env bash
# Starts one service process for supervisord: `run-service.sh <package> <command>`.
# prometheus_client's multiprocess mode needs its directory wiped before each start, and before Python
# imports any module that creates a metric (some do at import time), so it is done here.
set -euo pipefail
: "${VENV:?VENV must name the virtualenv (make up sets it)}"
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$VENV/bin/python" -m "$@"
