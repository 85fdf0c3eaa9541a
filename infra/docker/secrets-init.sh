#!/bin/sh
# docker-compose.yml's `secrets-init`: runs once before the broker starts, as root in the Pulsar image, and
# creates this deployment's generated secrets in the volumes that hold them (one volume per reader):
#   pulsar/secret.key        the HS256 key the broker signs and checks tokens with (the broker alone)
#   pulsar/admin.token       the superuser role `admin` (the broker's own client, pulsar-init, the healthcheck)
#   <service>/pulsar.token   the service's role (PULSAR_AUTH_TOKEN_FILE), readable by the services' user only
#   query/cursor-secret      signs query_svc's page cursors (CURSOR_SECRET_KEY_FILE)
#   ingestion/kek.json       ingestion's key-encryption keys (INGESTION_KEK_FILE); rotate-keys rewrites it
#   <consumer>/service-key   the one API key of role service that validation, processing and query ask
#                            ingestion for data keys with (KEY_SERVICE_API_KEY_FILE); its hash in the key file
# and, in the api-keys volume, the API key file that the `keys` tool fills (the APIs refuse to start
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

# The KEK file and its directory belong to the services' user: rotate-keys rewrites the file there. Made once:
# records' data keys are wrapped under it, so replacing it would lose every record.
kek=$SECRETS/ingestion/kek.json
if [ ! -s "$kek" ]; then
  kek_id="kek-$(date -u +%Y%m%d)-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '{"current": "%s", "keys": {"%s": "%s"}}\n' "$kek_id" "$kek_id" "$(head -c 32 /dev/urandom | base64)" \
    > "$kek.new"
  mv "$kek.new" "$kek"
fi
chown "$APP_UID:0" "$SECRETS/ingestion" "$kek"
chmod 0700 "$SECRETS/ingestion"
chmod 0600 "$kek"

# The key file and its directory belong to the services' user: the `keys` tool rewrites the file there.
keys=${KEYS_DIR:-/keys}
[ -s "$keys/api-keys.json" ] || printf '{"keys": []}\n' > "$keys/api-keys.json"

# The consumers' service key, made once: its hash joins the key file (as `keys add --service` writes it),
# the key itself goes to each consumer's own volume.
if [ ! -s "$SECRETS/query/service-key" ]; then
  python3 - "$keys/api-keys.json" > "$SECRETS/query/service-key.new" <<'PY'
import datetime, hashlib, json, secrets, sys
path = sys.argv[1]
key_id = secrets.token_hex(6)
key = f"dik_{key_id}_{secrets.token_urlsafe(32)}"
document = json.load(open(path))
document["keys"].append({
    "key_id": key_id, "role": "service", "partner_id": None,
    "key_hash": "sha256:" + hashlib.sha256(key.encode()).hexdigest(),
    "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    "revoked_at": None, "label": "consumers",
})
open(path + ".new", "w").write(json.dumps(document, indent=2) + "\n")
print(key)
PY
  mv "$keys/api-keys.json.new" "$keys/api-keys.json"
  mv "$SECRETS/query/service-key.new" "$SECRETS/query/service-key"
fi
for service in validation processing; do
  cp "$SECRETS/query/service-key" "$SECRETS/$service/service-key"
done
for service in validation processing query; do owned "$SECRETS/$service/service-key" "$APP_UID"; done

chown "$APP_UID:0" "$keys" "$keys/api-keys.json"
chmod 0700 "$keys"
chmod 0600 "$keys/api-keys.json"
echo "secrets-init: secret key, tokens (admin ingestion validation processing query), cursor secret, KEK file," \
  "service key, key file"
