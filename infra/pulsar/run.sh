#!/usr/bin/env bash
# Starts the Apache Pulsar standalone broker in the foreground (supervisord owns the process).
# Needs: PULSAR_LIB (dir of jars from pom.xml), RUN_DIR, PULSAR_AUTH_DIR (the secret key and the superuser's
# token, infra/pulsar/tokens.sh); optional PULSAR_HEAP, PULSAR_DIRECT_MEM, STORE_BIND_HOST.
# Every listener (broker, admin HTTP, bookie) binds STORE_BIND_HOST, never BIND_HOST (the APIs') nor a wildcard.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${PULSAR_LIB:?PULSAR_LIB must name the directory of Pulsar jars (make up sets it)}"
: "${RUN_DIR:?RUN_DIR must name the run directory (make up sets it)}"
: "${PULSAR_AUTH_DIR:?PULSAR_AUTH_DIR must name the directory of the secret key and tokens (make up sets it)}"
for secret in secret.key admin.token; do
  [ -s "$PULSAR_AUTH_DIR/$secret" ] || { echo "$PULSAR_AUTH_DIR/$secret is missing: run make up" >&2; exit 1; }
done
data="$RUN_DIR/pulsar"
host="${STORE_BIND_HOST:-127.0.0.1}"
mkdir -p "$data/logs"  # RocksDB's own logs: RUN_DIR/logs is supervisord's (root's), this process cannot write there
cd "$data"   # the starter resolves relative data paths against the working directory

# The ports come from the environment (infra/stack.env), so two stacks can run side by side.
conf="$data/standalone.conf"
sed -e "s/^brokerServicePort=.*/brokerServicePort=${PULSAR_PORT:-6650}/" \
    -e "s/^webServicePort=.*/webServicePort=${PULSAR_HTTP_PORT:-8080}/" \
    -e "s/^bookiePort=.*/bookiePort=${PULSAR_BOOKIE_PORT:-3181}/" \
    -e "s/^bindAddress=.*/bindAddress=$host/" \
    -e "s/^advertisedAddress=.*/advertisedAddress=$host/" \
    -e "s|^tokenSecretKey=.*|tokenSecretKey=file://$PULSAR_AUTH_DIR/secret.key|" \
    -e "s|^\(brokerClientAuthenticationParameters\)=.*|\1=file://$PULSAR_AUTH_DIR/admin.token|" \
    "$here/standalone.conf" > "$conf"
# A second advertised listener, `faults`, names a port the broker does not listen on: the reliability
# suite's network fault runs a proxy there, and clients asking for that listener (PULSAR_LISTENER_NAME)
# get it from lookups, so all their traffic crosses the proxy. Everyone else gets the internal one.
cat >> "$conf" <<EOF
advertisedListeners=internal:pulsar://$host:${PULSAR_PORT:-6650},faults:pulsar://$host:${PULSAR_FAULTS_PORT:-6652}
internalListenerName=internal
EOF

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# The JVM flags Pulsar's own bin/pulsar passes: module opens for netty/bookkeeper internals,
# native access for RocksDB, IPv4 only, and a fail-fast on out-of-memory. No hsperfdata counters (jstat): the
# JVM's periodic task sampled them 20 times a second in an idle broker. The broker's own HTTP clients check
# their timeouts once a second, not ten times (asynchttpclient's timer wheel).
exec "$java_bin" \
  -Xms"${PULSAR_HEAP:-512m}" -Xmx"${PULSAR_HEAP:-512m}" \
  -XX:MaxDirectMemorySize="${PULSAR_DIRECT_MEM:-512m}" \
  -XX:+UseG1GC -XX:MaxGCPauseMillis=10 \
  -XX:-UsePerfData \
  --add-opens java.base/java.io=ALL-UNNAMED \
  --add-opens java.base/java.util.zip=ALL-UNNAMED \
  --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-opens java.base/jdk.internal.misc=ALL-UNNAMED \
  --add-opens java.base/jdk.internal.platform=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  --enable-native-access=ALL-UNNAMED \
  -Dio.netty.tryReflectionSetAccessible=true \
  -Dio.netty.leakDetection.level=disabled \
  -Dorg.asynchttpclient.hashedWheelTimerTickDuration=1000 \
  -Djava.net.preferIPv4Stack=true \
  -Djute.maxbuffer=10485760 \
  -Dpulsar.allocator.exit_on_oom=true \
  -Dlog4j2.configurationFile="$here/log4j2.properties" \
  -Dpulsar.log.dir="$data/logs" \
  -cp "$PULSAR_LIB/*" \
  org.apache.pulsar.PulsarStandaloneStarter \
  -c "$conf" -nfw -nss \
  --metadata-dir "$data/metadata" \
  --bookkeeper-dir "$data/bookkeeper" \
  -a "$host"
