#!/usr/bin/env bash
# Prints the URLs and development credentials of the running local stack.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
h=$BIND_HOST
cat <<INFO
Services
  ingestion_svc   http://$h:$INGESTION_PORT   (docs: http://$h:$INGESTION_PORT/docs)
  query_svc       http://$h:$QUERY_PORT   (docs: http://$h:$QUERY_PORT/docs, console: http://localhost:$QUERY_PORT/console/)
  processing_svc  http://$h:$PROCESSING_PORT   (docs: http://$h:$PROCESSING_PORT/docs)
  validation_svc  http://$h:$VALIDATION_PORT   (docs: http://$h:$VALIDATION_PORT/docs)
Stores and broker (development credentials; loopback only)
  PostgreSQL      postgresql://ingestion:ingestion@$h:$PG_PORT/ingestion
                  postgresql://processing:processing@$h:$PG_PORT/processing
  Redis           redis://$h:$REDIS_PORT/0
  MongoDB (FerretDB $FERRETDB_VERSION)  mongodb://$h:$MONGO_PORT/query
  Pulsar $PULSAR_VERSION    pulsar://$h:$PULSAR_PORT   admin: http://$h:$PULSAR_HTTP_PORT
API keys (development): $RUN_DIR/dev-keys.env — e.g.
  source $RUN_DIR/dev-keys.env && curl -H "Authorization: Bearer \$PARTNER123_KEY" http://$h:$INGESTION_PORT/ingest/<id>
Logs: $RUN_DIR/logs   (make logs)
INFO
