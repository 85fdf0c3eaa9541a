#!/bin/sh
# docker-compose.yml's PostgreSQL: run once by the image on an empty data volume (docker-entrypoint-initdb.d),
# as the superuser. One role and one database per service, each database closed to every other role; each
# password comes from the environment (.env) and may not be the role's name. psql reads it with \getenv, so
# it is on no command line. Changing a password later: ALTER ROLE ... PASSWORD as the superuser.
set -eu
for pair in ingestion:INGESTION_DB_PASSWORD processing:PROCESSING_DB_PASSWORD; do
  role=${pair%%:*}
  variable=${pair#*:}
  eval "password=\${$variable:-}"
  [ -n "$password" ] || { echo "postgres-init: $variable is not set (see .env.example)" >&2; exit 1; }
  [ "$password" != "$role" ] || { echo "postgres-init: $variable must not be the role name" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres -v role="$role" <<SQL
\getenv password $variable
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
