#!/bin/sh
# docker-compose.yml's `pulsar-init`: runs once the broker is healthy, with the superuser's token. Sets the
# namespace's policies, creates the topics, and grants each service's role what it uses and nothing more:
#
#   role        produce                                           consume
#   ingestion   data-ingested                                     -
#   validation  data-validated, data-ingested-validation_svc-DLQ  data-ingested
#   processing  data-processed, data-ingested-processing_svc-DLQ  data-ingested
#   query       the three event topics (dead-letter redrive),     the whole namespace (its projector and
#               its three dead-letter topics                      rebuild readers; the operator's
#                                                                 dead-letter API lists every topic)
#
# Topic-level grants need the topic to exist, so every topic (dead-letter ones too) is created first.
# Idempotent: run it again after changing the grants. Uses bin/pulsar-admin from the Pulsar image.
set -eu
cd "${PULSAR_HOME:-/pulsar}"
ns=${PULSAR_TENANT_NAMESPACE:-public/default}

admin() {
  bin/pulsar-admin --admin-url "${PULSAR_ADMIN_URL:-http://pulsar:8080}" \
    --auth-plugin org.apache.pulsar.client.impl.auth.AuthenticationToken \
    --auth-params "file://${ADMIN_TOKEN_FILE:-/secrets/pulsar/admin.token}" "$@"
}

# History is kept forever (views are rebuilt by replay) and re-sent messages are dropped (outbox relays).
admin namespaces set-retention "$ns" --size -1 --time -1
admin namespaces set-deduplication "$ns" --enable

existing=$(admin topics list "$ns")
for topic in data-ingested data-validated data-processed \
  data-ingested-validation_svc-DLQ data-ingested-processing_svc-DLQ \
  data-ingested-query-projector-DLQ data-validated-query-projector-DLQ data-processed-query-projector-DLQ; do
  printf '%s\n' "$existing" | grep -qx "persistent://$ns/$topic" || admin topics create "persistent://$ns/$topic"
done

grant() { admin topics grant-permission --role "$1" --actions "$2" "persistent://$ns/$3"; }
grant ingestion produce data-ingested
grant validation consume data-ingested
grant validation produce data-validated
grant validation produce data-ingested-validation_svc-DLQ
grant processing consume data-ingested
grant processing produce data-processed
grant processing produce data-ingested-processing_svc-DLQ
admin namespaces grant-permission --role query --actions consume "$ns"
grant query produce data-ingested
grant query produce data-validated
grant query produce data-processed
grant query produce data-ingested-query-projector-DLQ
grant query produce data-validated-query-projector-DLQ
grant query produce data-processed-query-projector-DLQ
echo "pulsar-init: $ns policies, topics and grants in place"
