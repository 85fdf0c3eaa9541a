# Helpers shared by the infra scripts: paths, progress output, waiting.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=stack.env
source "$REPO_ROOT/infra/stack.env"
# Exported: supervisord expands them into its programs' environments. The passwords and REDIS_ADMIN_URL are not,
# so no program inherits more than the URLs it is given (tests read them with reliability.settings).
export REPO_ROOT RUN_DIR CACHE_DIR VENV PULSAR_VERSION FERRETDB_VERSION BIND_HOST STORE_BIND_HOST SERVICE_USER \
  PG_PORT REDIS_PORT MONGO_PORT PULSAR_PORT PULSAR_HTTP_PORT PULSAR_HEAP PULSAR_DIRECT_MEM \
  INGESTION_PORT QUERY_PORT PROCESSING_PORT VALIDATION_PORT PULSAR_BOOKIE_PORT \
  PULSAR_SERVICE_URL PULSAR_ADMIN_URL INGESTION_DATABASE_URL PROCESSING_DATABASE_URL REDIS_URL MONGO_URL QUERY_BASE_URL \
  RATE_LIMIT_STORAGE_URL PULSAR_AUTH_DIR
export PULSAR_LIB="$CACHE_DIR/pulsar-$PULSAR_VERSION/lib"
export FERRETDB_BIN="$CACHE_DIR/ferretdb-$FERRETDB_VERSION/ferretdb-local"
export SUPERVISOR_CONF="$REPO_ROOT/infra/supervisord.conf"
export SUPERVISOR_SOCK="$RUN_DIR/supervisor.sock"

_t0=$(date +%s)
step() { printf '\033[1m==> [%3ss] %s\033[0m\n' "$(( $(date +%s) - _t0 ))" "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# wait_for DESCRIPTION TIMEOUT_S COMMAND...: polls COMMAND every second, printing a dot, until it succeeds.
wait_for() {
  local what=$1 timeout=$2; shift 2
  local start; start=$(date +%s)
  printf '    waiting for %s ' "$what"
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) - start >= timeout )); then
      printf ' timed out after %ss\n' "$timeout"
      return 1
    fi
    printf '.'; sleep 1
  done
  printf ' ok (%ss)\n' "$(( $(date +%s) - start ))"
}

# is_loopback HOST: 127.0.0.0/8, ::1 or localhost.
is_loopback() { case $1 in 127.*|::1|localhost) return 0 ;; *) return 1 ;; esac; }

# Every store and the broker authenticate their clients, but over plain TCP (passwords and tokens in clear):
# they listen on loopback unless the operator says, with STORES_SECURED=yes, that a firewall and TLS guard them.
check_store_bind() {
  is_loopback "$STORE_BIND_HOST" && return 0
  [ "$STORES_SECURED" = yes ] || die "STORE_BIND_HOST=$STORE_BIND_HOST is not a loopback address: PostgreSQL, Redis, \
FerretDB and Pulsar would listen on the network, where their passwords and Pulsar's tokens cross it in clear (no TLS). Keep \
STORE_BIND_HOST=127.0.0.1 (BIND_HOST alone moves the four APIs), or set STORES_SECURED=yes once a firewall \
and the stores' authentication protect them (see docs/security.md, The local stack)."
  info "STORE_BIND_HOST=$STORE_BIND_HOST is not loopback; STORES_SECURED=yes says the stores are secured"
}

# The tools (make status, tests, bench, reliability) talk to the broker as the superuser: they create and delete
# topics and namespaces. Called by each tool's entry point, never here: whatever make up exports reaches
# supervisord and through it every program, and no program is to hold this token. A token already set wins.
export_admin_pulsar_token() {
  [ -n "${PULSAR_AUTH_TOKEN:-}${PULSAR_AUTH_TOKEN_FILE:-}" ] || export PULSAR_AUTH_TOKEN_FILE=$PULSAR_ADMIN_TOKEN_FILE
}

supervisorctl() { "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" "$@"; }
supervisord_running() { [ -S "$SUPERVISOR_SOCK" ] && supervisorctl pid >/dev/null 2>&1; }
