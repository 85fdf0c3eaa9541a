#!/bin/sh
# docker-compose.yml's `pulsar-init`: runs once the broker is healthy, with the superuser's token. Sets the
# namespace's policies, creates the topics, and grants each service's role what it uses and nothing more: the
# topics and grants are infra/pulsar/grants.sh (mounted beside this script), which `make up` applies too.
#
# Topic-level grants need the topic to exist, so every topic (dead-letter ones too) is created first.
# Idempotent: run it again after changing the grants. Uses bin/pulsar-admin from the Pulsar image.
set -eu
cd "${PULSAR_HOME:-/pulsar}"
. "${PULSAR_GRANTS:-/usr/local/bin/pulsar-grants.sh}"
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
for topic in $PULSAR_TOPICS; do
  printf '%s\n' "$existing" | grep -qx "persistent://$ns/$topic" || admin topics create "persistent://$ns/$topic"
done

grant() { admin topics grant-permission --role "$1" --actions "$2" "persistent://$ns/$3"; }
grant_namespace() { admin namespaces grant-permission --role "$1" --actions "$2" "$ns"; }
pulsar_grants
echo "pulsar-init: $ns policies, topics and grants in place"
