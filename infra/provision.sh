#!/usr/bin/env bash
# Installs everything the local stack needs, skipping what is already there:
# apt packages, the unprivileged service user, the Pulsar broker's jars, the FerretDB binary and the virtualenv.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# What is installed here is read by SERVICE_USER: readable by all, whatever the caller's umask.
umask 022

need_apt=()

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; }
have_java17() {
  command -v java >/dev/null && java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); exit !(v[1] >= 17)}'
}

apt_install() {
  (( $# )) || return 0
  step "Installing Debian packages: $*"
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand (see README, prerequisites)"
  # A policy-rc.d that says 101 stops the packages' own services from starting: the
  # system-wide postgres/redis would otherwise take the ports our supervised copies use.
  local guard=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$guard" ]; then printf '#!/bin/sh\nexit 101\n' > "$guard"; chmod +x "$guard"; created=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  (( created )) && rm -f "$guard"
  return 0
}

provision_packages() {
  have_postgres || need_apt+=(postgresql)
  command -v redis-server >/dev/null || need_apt+=(redis-server)
  have_java17 || need_apt+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || need_apt+=(maven)
  command -v go >/dev/null || need_apt+=(golang-go)
  command -v curl >/dev/null || need_apt+=(curl)
  # Grants the service user search permission on the directories above the venv's interpreter (setfacl).
  command -v setfacl >/dev/null || need_apt+=(acl)
  # Validates docker-compose.yml without a Docker engine (a test runs `docker-compose config`).
  command -v docker-compose >/dev/null || need_apt+=(docker-compose)
  # The operator console's browser tests drive Debian's own headless Chromium through its matching driver.
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  if (( ${#need_apt[@]} )); then apt_install "${need_apt[@]}"; else step "Debian packages present (postgresql, redis-server, java, maven, go, docker-compose, chromium)"; fi
}

# The system user every supervised program but PostgreSQL runs as: no login shell, no home, a group of its own
# that no one else joins (RocksDB makes Pulsar's metadata dirs group-readable whatever the umask).
provision_service_user() {
  if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    step "Creating the system user $SERVICE_USER that runs the stack (no login shell)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVICE_USER"
  else
    step "System user $SERVICE_USER present"
  fi
  if id -nG postgres | tr ' ' '\n' | grep -qx "$SERVICE_USER"; then  # an earlier layout's; an ACL does it now
    gpasswd -d postgres "$SERVICE_USER" >/dev/null
  fi
}

# Root's downloads used to live in ~/.cache (unreadable to SERVICE_USER under /root): reuse them, hard-linked.
adopt_old_cache() {
  local old="$HOME/.cache/dataingest"
  [ "$CACHE_DIR" != "$old" ] && [ -d "$old" ] && [ ! -e "$CACHE_DIR" ] || return 0
  step "Reusing the downloads in $old for $CACHE_DIR"
  mkdir -p "$(dirname "$CACHE_DIR")"
  cp -al "$old" "$CACHE_DIR" 2>/dev/null || cp -a "$old" "$CACHE_DIR"
}

provision_pulsar() {
  if [ -f "$PULSAR_LIB/.complete" ]; then
    step "Apache Pulsar $PULSAR_VERSION jars present ($PULSAR_LIB)"
    return
  fi
  step "Downloading Apache Pulsar $PULSAR_VERSION jars from Maven Central (~240 MB, first run only)"
  local tmp="$PULSAR_LIB.partial"
  rm -rf "$tmp"
  (cd "$REPO_ROOT/infra/pulsar" && mvn -B -ntp dependency:copy-dependencies \
      -Dpulsar.version="$PULSAR_VERSION" -DoutputDirectory="$tmp" \
      | grep -E '^\[(ERROR|WARNING)\]|BUILD' || true)
  compgen -G "$tmp/org.apache.pulsar.pulsar-broker-$PULSAR_VERSION.jar" >/dev/null \
    || die "Pulsar jars were not resolved; run 'cd infra/pulsar && mvn dependency:copy-dependencies' to see why"
  rm -rf "$PULSAR_LIB" && mv "$tmp" "$PULSAR_LIB" && touch "$PULSAR_LIB/.complete"
  info "$(ls "$PULSAR_LIB" | wc -l) jars, $(du -sh "$PULSAR_LIB" | cut -f1)"
}

provision_ferretdb() {
  local src="$REPO_ROOT/infra/ferretdb" stamp build
  stamp=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" "$src"/patches/*.patch "$src"/patches/sqlite/*.patch \
    "$src"/patches/libc/*.patch | sha256sum | cut -c1-16)
  if [ -x "$FERRETDB_BIN" ] && [ "$(cat "$FERRETDB_BIN.stamp" 2>/dev/null)" = "$stamp" ]; then
    step "FerretDB $FERRETDB_VERSION binary present ($FERRETDB_BIN)"
    return
  fi
  step "Building FerretDB $FERRETDB_VERSION from the Go module proxy, with infra/ferretdb/patches (first run only)"
  build="$(dirname "$FERRETDB_BIN")/build" && rm -rf "$build" && mkdir -p "$build"
  cp "$src/go.mod" "$src/go.sum" "$src/main.go" "$build/"
  # Each patched module is copied out of Go's read-only module cache, patched, and swapped in with a
  # replace directive on the build's copy of go.mod, so the tracked go.mod names the plain upstream ones.
  patched_module "$build" "github.com/FerretDB/FerretDB" "v$FERRETDB_VERSION" ferretdb-src "$src"/patches/*.patch
  # FerretDB's SQLite driver, at the version FerretDB's go.mod asks for.
  patched_module "$build" "modernc.org/sqlite" "$(cd "$build" && go list -mod=mod -m -f '{{.Version}}' modernc.org/sqlite)" \
    sqlite-src "$src"/patches/sqlite/*.patch
  # The C library that driver is transpiled against (its memcmp and memcpy).
  patched_module "$build" "modernc.org/libc" "$(cd "$build" && go list -mod=mod -m -f '{{.Version}}' modernc.org/libc)" \
    libc-src "$src"/patches/libc/*.patch
  (cd "$build" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$FERRETDB_BIN" .) \
    || die "FerretDB build failed; Go >= 1.24 is needed (go version: $(go version 2>&1))"
  rm -rf "$build"
  echo "$stamp" > "$FERRETDB_BIN.stamp"
}

# patched_module BUILD_DIR MODULE VERSION DIR PATCH...: BUILD_DIR/DIR becomes MODULE@VERSION with the patches.
patched_module() {
  local build=$1 module=$2 version=$3 dir=$4 source patch
  shift 4
  source=$(cd "$build" && GOFLAGS=-mod=mod go mod download -json "$module@$version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$source" ] || die "could not download $module@$version from the Go module proxy"
  cp -r "$source" "$build/$dir" && chmod -R u+w "$build/$dir"
  for patch in "$@"; do
    (cd "$build/$dir" && git apply -p1 "$patch") || die "could not apply $patch to $module@$version"
    info "applied $(basename "$patch") to $module@$version"
  done
  (cd "$build" && go mod edit -replace "$module=./$dir")
}

provision_venv() {
  local stamp
  stamp=$(cat "$REPO_ROOT"/requirements/*.txt "$REPO_ROOT/pyproject.toml" | sha256sum | cut -c1-16)
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.stamp" 2>/dev/null)" = "$stamp" ]; then
    step "Python virtualenv up to date ($VENV)"
    return
  fi
  step "Installing the Python virtualenv from requirements/ ($VENV)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$REPO_ROOT/requirements/dev.txt" -c "$REPO_ROOT/requirements/constraints.txt"
  "$VENV/bin/pip" install -q --no-deps -e "$REPO_ROOT"
  echo "$stamp" > "$VENV/.stamp"
}

# reachable_by_service_user PATH: lets SERVICE_USER through every directory above PATH it cannot enter (a venv
# made from pyenv's Python under /root, mode 700): search permission for that user alone (an ACL entry), so it
# can open what it is told to, never list. Prints what it opened up.
reachable_by_service_user() {
  local path dir="" part
  path=$(readlink -f "$1")
  local parts
  IFS=/ read -r -a parts <<< "${path#/}"
  unset 'parts[${#parts[@]}-1]'  # the file itself
  for part in "${parts[@]}"; do  # top down: a directory is tested once its parents let the user through
    dir="$dir/$part"
    (cd / && runuser -u "$SERVICE_USER" -- test -x "$dir") && continue
    setfacl -m "u:$SERVICE_USER:x" "$dir" || die "cannot give $SERVICE_USER search permission on $dir (setfacl)"
    info "$SERVICE_USER may pass through $dir (search only, an ACL entry) to reach $path"
  done
}

provision_packages
provision_service_user
adopt_old_cache
provision_pulsar
provision_ferretdb
provision_venv
reachable_by_service_user "$VENV/bin/python"
reachable_by_service_user "$REPO_ROOT/infra/run-service.sh"
