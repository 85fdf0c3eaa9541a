# PostgreSQL helpers for up.sh: where the cluster lives, creating it, and per-service databases.
# The cluster runs as the OS user `postgres` (PostgreSQL refuses root), under supervisord.

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
export PG_BIN

# The cluster's data dir: inside RUN_DIR when the postgres user can reach it (RUN_DIR's ACL lets it through,
# infra/run-dir.sh), otherwise (a clone under /root, mode 700) a per-clone folder under /var/lib/dataingest.
pg_data_dir() {
  if (cd / && runuser -u postgres -- test -x "$RUN_DIR") 2>/dev/null; then
    echo "$RUN_DIR/postgres"
  else
    echo "/var/lib/dataingest/$(echo "$RUN_DIR" | sha256sum | cut -c1-12)/postgres"
  fi
}

pg_init_cluster() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  step "Creating the PostgreSQL cluster in $PG_DATA"
  # Parents open to all (a fallback under /var/lib must be reachable by postgres), the data dir to postgres only.
  (umask 022 && mkdir -p "$PG_DATA") && chown postgres:postgres "$PG_DATA" && chmod 700 "$PG_DATA"
  # Local socket: peer auth for the postgres superuser (provisioning only). TCP: passwords.
  (cd / && runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null)
}

# Run from / : the postgres user may not be allowed into the clone's directory.
pg_psql() { cd / && runuser -u postgres -- "$PG_BIN/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 "$@"; }

# pg_service_db NAME PASSWORD: a role and a database of that name, owned by it and closed to others,
# so no service can read another service's store (decentralized data ownership). The password (from
# RUN_DIR/credentials.env) is set on every run, so a cluster made with an older one takes the current one.
# It reaches psql on stdin, never on a command line (which every local user can read in /proc).
pg_service_db() {
  local name=$1 password=$2
  [ -n "$password" ] && [ "$password" != "$name" ] || die "pg_service_db $name: a password other than the role name"
  pg_psql <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$name') THEN
    CREATE ROLE "$name" LOGIN;
  END IF;
END \$\$;
ALTER ROLE "$name" LOGIN PASSWORD '$password';
SELECT 'CREATE DATABASE "$name" OWNER "$name"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$name')\gexec
REVOKE ALL ON DATABASE "$name" FROM PUBLIC;
GRANT ALL ON DATABASE "$name" TO "$name";
SQL
}
