#!/usr/bin/env bash
# `make down`: stops every process that `make up` started (through supervisord) and nothing else.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! supervisord_running; then
  step "Nothing to stop: supervisord is not running"
  exit 0
fi
pid=$(supervisorctl pid)
step "Stopping the services, then the stores (supervisord pid $pid)"
supervisorctl stop services:* >/dev/null || true
supervisorctl stop stores:* >/dev/null || true
supervisorctl shutdown >/dev/null || true
wait_for "supervisord to exit" 90 bash -c "! kill -0 $pid" || die "supervisord (pid $pid) did not exit"
step "Stopped"
