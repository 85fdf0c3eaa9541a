#!/usr/bin/env bash
# `make up`: provisions (first run) and starts the whole local stack under supervisord.
# Idempotent: re-running only starts what is not running.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/provision.sh"   # packages, downloads, the virtualenv, the service user
"$here/run-dir.sh"     # RUN_DIR's owners and modes, the store passwords (before lib.sh builds the URLs)
source "$here/lib.sh"
source "$REPO_ROOT/infra/postgres.sh"
# Everything the stack creates from here on is for its owner alone (supervisord sets the same for its programs).
umask 077

PG_DATA=$(pg_data_dir)
export PG_DATA
pg_init_cluster

# Before supervisord (re)starts query-api, which reads it at start.
create_console_secret() {
  local secret="$RUN_DIR/console-secret"
  [ -s "$secret" ] && return
  step "Creating the operator console's session secret ($secret)"
  "$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(32))' > "$secret.tmp"
  chown "$SERVICE_USER:$SERVICE_USER" "$secret.tmp" && mv "$secret.tmp" "$secret"
}

port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# redis-cli as the ACL admin; the password goes by environment, not on the command line.
redis_admin() { REDISCLI_AUTH=$REDIS_ADMIN_PASSWORD redis-cli --user admin -h "$STORE_BIND_HOST" -p "$REDIS_PORT" "$@"; }
redis_ping() { [ "$(redis_admin ping 2>/dev/null)" = PONG ]; }

start_supervisor() {
  if supervisord_running; then
    # supervisord expands %(ENV_*)s from the environment it was started with: a config naming a
    # variable it lacks cannot be reread, and only a restart of supervisord applies it.
    if supervisorctl reread >/dev/null 2>&1; then
      step "supervisord already running; applying config changes, making sure every store is started"
      supervisorctl update >/dev/null  # restarts only changed programs
      supervisorctl start stores:* >/dev/null || true
      redis_admin acl load >/dev/null 2>&1 || true  # users.acl is rewritten on every run
      return
    fi
    step "The running supervisord predates this configuration; restarting the stack to apply it"
    "$REPO_ROOT/infra/down.sh"
  fi
  local p host
  for p in "$STORE_BIND_HOST:$PG_PORT" "$STORE_BIND_HOST:$REDIS_PORT" "$STORE_BIND_HOST:$MONGO_PORT" \
           "$STORE_BIND_HOST:$PULSAR_PORT" "$STORE_BIND_HOST:$PULSAR_HTTP_PORT" "$STORE_BIND_HOST:$PULSAR_BOOKIE_PORT" \
           "$BIND_HOST:$INGESTION_PORT" "$BIND_HOST:$QUERY_PORT" "$BIND_HOST:$PROCESSING_PORT" \
           "$BIND_HOST:$VALIDATION_PORT"; do
    host=${p%:*}
    port_busy "$host" "${p##*:}" && die "port $p is already in use by another program ('ss -ltnp | grep :${p##*:}' \
shows which); stop it or choose another port (see docs/operations.md, Configuration)"
  done
  step "Starting supervisord (stores: postgres, redis, pulsar, mongodb; programs run as $SERVICE_USER)"
  "$VENV/bin/supervisord" -c "$SUPERVISOR_CONF"
}

wait_for_stores() {
  step "Waiting for the stores and the broker"
  wait_for "PostgreSQL on :$PG_PORT" 60 "$PG_BIN/pg_isready" -q -h "$STORE_BIND_HOST" -p "$PG_PORT" || return 1
  wait_for "Redis on :$REDIS_PORT" 30 redis_ping || return 1
  wait_for "MongoDB-compatible server (FerretDB) on :$MONGO_PORT" 30 "$VENV/bin/python" "$REPO_ROOT/infra/health.py" --check mongodb || return 1
  wait_for "Pulsar broker on :$PULSAR_PORT (first start takes ~30 s)" 180 pulsar_ready
}

# pulsar_admin METHOD PATH [JSON]: one call to the broker's admin REST API (under /admin/v2) as the superuser;
# prints the HTTP status. The token goes in a header read from a pipe, never on a command line (/proc shows
# those to every local user).
pulsar_admin() {
  local header="Authorization: Bearer $(<"$PULSAR_ADMIN_TOKEN_FILE")"
  curl -s -o /dev/null -w '%{http_code}' -X "$1" -H @<(printf '%s\n' "$header") \
    -H 'Content-Type: application/json' ${3:+--data "$3"} "$PULSAR_ADMIN_URL/admin/v2$2"
}
pulsar_ready() { [ "$(pulsar_admin GET /namespaces/public/default)" = 200 ]; }
# A broker started before its configuration asked for tokens answers anyone: it is restarted, once.
pulsar_open() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$PULSAR_ADMIN_URL/admin/v2/namespaces/public/default")" = 200 ]
}

# pulsar_call WHAT OK_STATUSES METHOD PATH [JSON]: pulsar_admin, dying with WHAT unless the status is one of OK.
pulsar_call() {
  local what=$1 ok=$2 status; shift 2
  status=$(pulsar_admin "$@")
  [[ " $ok " == *" $status "* ]] || die "Pulsar admin API: $what answered HTTP $status ($1 $2)"
}

# The namespace's policies, its topics and each service's role's grants (infra/pulsar/grants.sh, the table
# docker-compose's pulsar-init applies too). Idempotent: a grant sets the role's actions on its target.
provision_pulsar() {
  local ns=/namespaces/public/default topics=/persistent/public/default topic created=0 role
  pulsar_call "retention" "200 204" POST "$ns/retention" '{"retentionTimeInMinutes":-1,"retentionSizeInMB":-1}'
  pulsar_call "deduplication" "200 204" POST "$ns/deduplication" true
  info "Pulsar public/default: infinite retention, deduplication on"
  # shellcheck source=pulsar/grants.sh
  source "$REPO_ROOT/infra/pulsar/grants.sh"
  for topic in $PULSAR_TOPICS; do
    [ "$(pulsar_admin PUT "$topics/$topic")" = 204 ] && created=$((created + 1))
    pulsar_call "topic $topic" 200 GET "$topics/$topic/permissions"  # it exists now, whoever made it
  done
  info "topics: $(wc -w <<<"$PULSAR_TOPICS"), dead-letter ones included ($created created now)"
  local -A granted=()
  grant() {
    pulsar_call "grant $2 on $3 to $1" "200 204" POST "$topics/$3/permissions/$1" "[\"$2\"]"
    granted[$1]+="${granted[$1]:+, }$2 $3"
  }
  grant_namespace() {
    pulsar_call "grant $2 on public/default to $1" "200 204" POST "$ns/permissions/$1" "[\"$2\"]"
    granted[$1]+="${granted[$1]:+, }$2 public/default (every topic)"
  }
  pulsar_grants
  for role in ingestion validation processing query; do info "role $role may: ${granted[$role]}"; done
}

configure_stores() {
  step "Provisioning databases and broker policies"
  pg_service_db ingestion "$INGESTION_DB_PASSWORD"
  pg_service_db processing "$PROCESSING_DB_PASSWORD"
  info "PostgreSQL databases: ingestion, processing (each owned by its own role, password in credentials.env)"
  provision_pulsar
}

migrate_databases() {
  step "Migrating the services' databases"
  DATABASE_URL=$INGESTION_DATABASE_URL "$VENV/bin/python" -m ingestion_svc migrate >/dev/null || die "ingestion migrations failed: run '$VENV/bin/python -m ingestion_svc migrate' to see why"
  info "ingestion: event store, outbox, inbox, idempotency keys, data keys at the newest revision"
  DATABASE_URL=$PROCESSING_DATABASE_URL "$VENV/bin/python" -m processing_svc migrate >/dev/null || die "processing migrations failed: run '$VENV/bin/python -m processing_svc migrate' to see why"
  info "processing: event store, outbox, inbox, fingerprints at the newest revision"
}

# The development keys drive the benchmarks (up to 200 requests a second) and the fault suite: each gets
# a quota of its own above the services' default RATE_LIMIT. Applied once, also to keys made before quotas.
DEV_KEY_RATE=60000/minute
limit_dev_keys() {
  local keys=$1 out=$2 id
  grep -q '"rate_limit"' "$keys" && return
  for id in $(sed -n 's/^[A-Z0-9_]*_KEY=dik_\([0-9a-f]*\)_.*/\1/p' "$out"); do
    "$VENV/bin/python" -m ingestion_svc keys --file "$keys" limit "$id" "$DEV_KEY_RATE" >/dev/null
  done
  info "development keys may send $DEV_KEY_RATE each (python -m ingestion_svc keys list)"
}

create_dev_keys() {
  local keys="$RUN_DIR/api-keys.json" out="$RUN_DIR/dev-keys.env"
  if [ -f "$keys" ] && [ -f "$out" ]; then
    step "Development API keys present ($out)"
    limit_dev_keys "$keys" "$out"
    return
  fi
  step "Creating development API keys (an admin, partner123, partner456)"
  local cli=("$VENV/bin/python" -m ingestion_svc keys --file "$keys" add)
  {
    echo "# Development API keys, created by make up on $(date -u +%FT%TZ). Send as: Authorization: Bearer <key>"
    echo "ADMIN_KEY=$("${cli[@]}" --admin --label dev-admin)"
    echo "PARTNER123_KEY=$("${cli[@]}" --partner partner123 --label dev)"
    echo "PARTNER456_KEY=$("${cli[@]}" --partner partner456 --label dev)"
  } > "$out"
  chmod 600 "$out"
  limit_dev_keys "$keys" "$out"
  # The services read the key file; rewrites by `keys add` (as root) keep this owner and mode.
  chown "$SERVICE_USER:$SERVICE_USER" "$keys"
  info "written to $out (the key file keeps only their hashes)"
}

# The consumers (validation, processing, query) ask ingestion for records' data keys with one key of role
# service (KEY_SERVICE_API_KEY_FILE), made once. Like the key file, written for SERVICE_USER alone.
create_service_key() {
  local keys="$RUN_DIR/api-keys.json" out="$RUN_DIR/service-key" key
  if [ -s "$out" ]; then
    step "Service API key present ($out)"
    return
  fi
  step "Creating the consumers' service API key ($out)"
  key=$("$VENV/bin/python" -m ingestion_svc keys --file "$keys" add --service --label consumers) \
    || die "could not add a service key to $keys"
  printf '%s\n' "$key" > "$out.tmp"
  chown "$SERVICE_USER:$SERVICE_USER" "$out.tmp" && chmod 600 "$out.tmp" && mv "$out.tmp" "$out"
  info "role service: POST /internal/keys/unwrap only (python -m ingestion_svc keys list)"
}

start_services() {
  step "Starting the services"
  supervisorctl start services:* >/dev/null || true
  local name port
  for pair in ingestion:$INGESTION_PORT query:$QUERY_PORT processing:$PROCESSING_PORT validation:$VALIDATION_PORT; do
    name=${pair%%:*} port=${pair##*:}
    wait_for "${name}_svc ready on :$port" 60 curl -sf "http://$BIND_HOST:$port/readyz" \
      || die "${name}_svc is not ready; see 'make logs' or $RUN_DIR/logs/${name}-api.log"
  done
  for worker in ingestion-relay query-consumer validation-consumer validation-relay processing-consumer processing-relay; do
    # startsecs in supervisord.conf: RUNNING means the process stayed up that long.
    wait_for "$worker running" 30 bash -c "'$VENV/bin/supervisorctl' -c '$SUPERVISOR_CONF' status services:$worker | grep -q RUNNING" \
      || die "$worker keeps exiting; see $RUN_DIR/logs/$worker.log"
  done
}

create_console_secret
start_supervisor
wait_for_stores || die "a store did not come up; see $RUN_DIR/logs/ (make logs)"
if pulsar_open; then
  step "The broker answers without a token (it started before token authentication); restarting it"
  supervisorctl restart stores:pulsar >/dev/null
  wait_for_stores || die "a store did not come up; see $RUN_DIR/logs/ (make logs)"
  ! pulsar_open || die "the broker still answers without a token; see $RUN_DIR/pulsar/standalone.conf"
fi
configure_stores
migrate_databases
create_dev_keys
create_service_key
start_services
"$REPO_ROOT/infra/stack-info.sh" | tee "$RUN_DIR/stack-info.txt"
step "Stack is up (written to $RUN_DIR/stack-info.txt). 'make status' shows health, 'make down' stops it."
