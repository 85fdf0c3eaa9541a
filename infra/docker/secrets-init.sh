#!/bin/sh
# docker-compose.yml's `secrets-init`: runs once before the broker starts, as root in the Pulsar image, and
# creates this deployment's generated secrets in the volumes that hold them (one volume per reader):
#   pulsar/secret.key        the HS256 key the broker signs and checks tokens with (the broker alone)
#   pulsar/admin.token       the superuser role `admin` (the broker's own client, pulsar-init, the healthcheck)
#   <service>/pulsar.token   the service's role (PULSAR_AUTH_TOKEN_FILE), readable by the services' user only
#   query/cursor-secret      signs query_svc's page cursors (CURSOR_SECRET_KEY_FILE)
# and, in the api-keys volume, an empty API key file that the `keys` tool fills (the APIs refuse to start
# without one).
# What exists is kept, so a restart changes nothing; a new secret key re-issues every token. To rotate a
# token, delete its file (or the whole volume) and run `docker compose up` again.
set -eu
SECRETS=${SECRETS_DIR:-/secrets}
cd "${PULSAR_HOME:-/pulsar}"
PULSAR_UID=10000  # the Pulsar image's user (group 0)
APP_UID=10001     # the services' user (Dockerfile)
key=$SECRETS/pulsar/secret.key

umask 077
reissue=no
if [ ! -s "$key" ]; then
  bin/pulsar tokens create-secret-key --output "$key.new"
  mv "$key.new" "$key"
  reissue=yes
fi
chown "$PULSAR_UID:0" "$key"
chmod 0400 "$key"

# owned FILE UID: FILE belongs to UID alone, read-only.
owned() { chown "$2:0" "$1" && chmod 0400 "$1"; }

# token ROLE FILE UID: a token whose subject (the role the broker authorizes) is ROLE.
token() {
  if [ "$reissue" = yes ] || [ ! -s "$2" ]; then
    bin/pulsar tokens create --secret-key "file://$key" --subject "$1" > "$2.new"
    mv -f "$2.new" "$2"
  fi
  owned "$2" "$3"
}

token admin "$SECRETS/pulsar/admin.token" "$PULSAR_UID"
for service in ingestion validation processing query; do
  token "$service" "$SECRETS/$service/pulsar.token" "$APP_UID"
done

cursor=$SECRETS/query/cursor-secret
if [ ! -s "$cursor" ]; then
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$cursor.new"
  mv "$cursor.new" "$cursor"
fi
owned "$cursor" "$APP_UID"

# The key file and its directory belong to the services' user: the `keys` tool rewrites the file there.
keys=${KEYS_DIR:-/keys}
[ -s "$keys/api-keys.json" ] || printf '{"keys": []}\n' > "$keys/api-keys.json"
chown "$APP_UID:0" "$keys" "$keys/api-keys.json"
chmod 0700 "$keys"
chmod 0600 "$keys/api-keys.json"
echo "secrets-init: secret key, tokens (admin ingestion validation processing query), cursor secret, key file"
