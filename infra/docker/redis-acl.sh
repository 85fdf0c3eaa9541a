#!/bin/sh
# docker-compose.yml's Redis entrypoint: writes the ACL users from the environment, then runs the command
# (the image's docker-entrypoint.sh redis-server ..., which drops to the redis user). The file keeps only
# SHA-256 hashes of the passwords. The `default` user is off: every client names its user.
#
#   health       PING only, no keys (the container's healthcheck)
#   ingestion, processing, query
#                the per-key rate limit (RATE_LIMIT_STORAGE_URL, db 1): keys LIMITS:*, the commands of
#                flask-limiter's sliding-window counter (limits' Lua scripts run with the caller's rights)
#   validation   the rate limit too, and its store (REDIS_URL, db 0): keys validation:*, the stream, hash and
#                string commands of its log, outbox, relay lease and their Lua scripts
#   admin        everything (operators: INFO, ACL LOG, MONITOR); only when REDIS_ADMIN_PASSWORD is set
set -eu
acl=${REDIS_ACL_FILE:-/run/redis/users.acl}

# password USER VAR: the SHA-256 of $VAR, which must be set and must not be the user's name.
password() {
  eval "value=\${$2:-}"
  [ -n "$value" ] || { echo "redis-acl: $2 is not set (see .env.example)" >&2; exit 1; }
  [ "$value" != "$1" ] || { echo "redis-acl: $2 must not be the user name $1" >&2; exit 1; }
  printf '#%s' "$(printf '%s' "$value" | sha256sum | cut -d' ' -f1)"
}

connection='+ping +hello +select'
scripts='+evalsha +script|load +script|exists'
rate_limit_rules="~LIMITS:* $scripts +get +set +exists +ttl +pttl +expire +incrby +rename +del"
validation_rules="~validation:* +xadd +xrange +xreadgroup +xautoclaim +xgroup|create +xack +xdel +xpending +xtrim \
+xread +xinfo|groups +hexists +hset +incr +pexpire"

# Every password is checked before the file is written (a failure inside $(...) would not stop the script).
ingestion=$(password ingestion REDIS_INGESTION_PASSWORD)
processing=$(password processing REDIS_PROCESSING_PASSWORD)
query=$(password query REDIS_QUERY_PASSWORD)
validation=$(password validation REDIS_VALIDATION_PASSWORD)
admin=""
if [ -n "${REDIS_ADMIN_PASSWORD:-}" ]; then admin=$(password admin REDIS_ADMIN_PASSWORD); fi

mkdir -p "$(dirname "$acl")"
{
  echo "user default off resetkeys -@all"
  echo "user health on nopass resetkeys resetchannels -@all +ping"
  echo "user ingestion on $ingestion resetchannels -@all $connection $rate_limit_rules"
  echo "user processing on $processing resetchannels -@all $connection $rate_limit_rules"
  echo "user query on $query resetchannels -@all $connection $rate_limit_rules"
  echo "user validation on $validation resetchannels -@all $connection $rate_limit_rules $validation_rules"
  if [ -n "$admin" ]; then echo "user admin on $admin ~* &* +@all"; fi
} > "$acl.new"
mv "$acl.new" "$acl"
chmod 0600 "$acl"
if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then chown redis:redis "$acl"; fi
exec "$@"
