#!/usr/bin/env bash
# Makes the broker's token-authentication secrets, once: `tokens.sh DIR ROLE...`, run by infra/run-dir.sh as
# SERVICE_USER in DIR, that user's own directory (mode 700; files 600 by the umask):
#   secret.key     the HS256 key the broker signs and checks tokens with (tokenSecretKey)
#   <role>.token   a token whose subject is ROLE, the role the broker authorizes
# Pulsar's own tool writes them (TokensCliUtils from the cached jars; `bin/pulsar tokens` is the same class,
# as infra/docker/secrets-init.sh uses it). What exists is kept, so a rerun changes nothing; a new key re-issues
# every token. To rotate, delete a token (or the key) and run make up; the broker reads the key at its start.
# Prints what it made.
set -euo pipefail
: "${PULSAR_LIB:?PULSAR_LIB must name the directory of Pulsar jars (make up sets it)}"
dir=${1:?usage: tokens.sh DIR ROLE...}
shift
umask 077
tokens() {
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "$PULSAR_LIB/*" org.apache.pulsar.utils.auth.tokens.TokensCliUtils "$@"
}

key=$dir/secret.key made=() reissue=no
if [ ! -s "$key" ]; then
  tokens create-secret-key --output "$key.new"
  mv -f "$key.new" "$key"
  made+=(secret.key) reissue=yes
fi
for role in "$@"; do
  file=$dir/$role.token
  [ "$reissue" = no ] && [ -s "$file" ] && continue
  tokens create --secret-key "file://$key" --subject "$role" > "$file.new"
  mv -f "$file.new" "$file"
  made+=("$role.token")
done
echo "${made[*]}"
