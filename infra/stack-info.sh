#!/usr/bin/env bash
# Prints the URLs and development credentials of the running local stack.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
h=$BIND_HOST s=$STORE_BIND_HOST
cat <<INFO
Services
  ingestion_svc   http://$h:$INGESTION_PORT   (docs: http://$h:$INGESTION_PORT/docs)
  query_svc       http://$h:$QUERY_PORT   (docs: http://$h:$QUERY_PORT/docs, console: http://localhost:$QUERY_PORT/console/)
  processing_svc  http://$h:$PROCESSING_PORT   (docs: http://$h:$PROCESSING_PORT/docs)
  validation_svc  http://$h:$VALIDATION_PORT   (docs: http://$h:$VALIDATION_PORT/docs)
Stores and broker (on $s only; passwords in $RUN_DIR/credentials.env, root-readable)
  PostgreSQL      postgresql://ingestion:\$INGESTION_DB_PASSWORD@$s:$PG_PORT/ingestion
                  postgresql://processing:\$PROCESSING_DB_PASSWORD@$s:$PG_PORT/processing
  Redis           redis://validation:\$REDIS_VALIDATION_PASSWORD@$s:$REDIS_PORT/0   (ACL users: validation,
                  ratelimit, admin; default off)
  MongoDB (FerretDB $FERRETDB_VERSION)  mongodb://query:\$MONGO_QUERY_PASSWORD@$s:$MONGO_PORT/query?authSource=query
  Pulsar $PULSAR_VERSION    pulsar://$s:$PULSAR_PORT   admin: http://$s:$PULSAR_HTTP_PORT   (tokens: a role per
                  service, the superuser's for tools: $PULSAR_AUTH_DIR/<role>.token, dataingest 600)
  e.g. source $RUN_DIR/credentials.env && psql "postgresql://ingestion:\$INGESTION_DB_PASSWORD@$s:$PG_PORT/ingestion"
Programs run as $SERVICE_USER (PostgreSQL as postgres); $RUN_DIR is theirs and root's alone (umask 077).
API keys (development): $RUN_DIR/dev-keys.env — e.g.
  source $RUN_DIR/dev-keys.env && curl -H "Authorization: Bearer \$PARTNER123_KEY" http://$h:$INGESTION_PORT/ingest/<id>
Logs: $RUN_DIR/logs   (make logs)
INFO
