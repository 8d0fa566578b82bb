#!/usr/bin/env bash
# Elasticsearch 8 for development and tests: the real server, from Maven Central.
#
#   scripts/elasticsearch.sh up|down|status|build     (`up` builds first when needed)
#   ES_NODES=3 scripts/elasticsearch.sh up|down|status   a cluster of 3 nodes on loopback
#
# org.codelibs:elasticsearch-cluster-runner, the usual way to run a node from Maven artifacts,
# publishes its 8.x releases outside Maven Central (Central stops at 7.10.2.0), so this script
# does the equivalent itself: Maven fetches org.elasticsearch:elasticsearch and the
# transport-netty4 module, javac builds a small launcher (scripts/elasticsearch/launcher) and
# a plugin for the pieces of the distribution Central does not carry (scripts/elasticsearch/
# plugin), and the node runs as the unprivileged user `elasticsearch` with a 1 GB heap on
# 127.0.0.1. See scripts/README.md, "How Elasticsearch starts without a distribution".
#
# With ES_NODES=N (N > 1) it starts N nodes that form one cluster instead: node i listens on
# ES_PORT+i-1 (HTTP) and ES_TRANSPORT_PORT+i-1 (transport), lives in $RUN_DIR/es-cluster/node-i
# (its own data folder) with a 512 MB heap (ES_HEAP), and finds the others through
# discovery.seed_hosts. `up` starts the nodes that are not running (a node that was stopped
# or killed rejoins; raising ES_NODES adds nodes to a running cluster), `down` stops every
# node, `down I` / `up I` one of them. See scripts/README.md, "A cluster of several nodes".
source "$(dirname "$0")/lib.sh"

ES_VERSION=$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$ROOT/scripts/elasticsearch/pom.xml")
# The build is named after a digest of everything it is made from (the pom, the launcher and
# plugin sources, this script), so a changed source gets a build of its own, and checkouts at
# different versions (worktrees, branches) each use theirs instead of rebuilding over each other
# while a node runs from it.
SOURCES_HASH=$( (cd "$ROOT/scripts" && find elasticsearch elasticsearch.sh -type f | LC_ALL=C sort \
  | xargs sha256sum) | sha256sum | cut -c1-16)
DIST="$CACHE_DIR/elasticsearch-$ES_VERSION-$SOURCES_HASH"
NODES=${ES_NODES:-1}
[[ "$NODES" =~ ^[1-9]$ ]] || die "ES_NODES must be 1 to 9, not '$NODES'"
ES_USER=elasticsearch
JAVA_HOME=${ES_JAVA_HOME:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
# 3 nodes x 512 MB (plus about 300 MB of JVM each beyond the heap) leave room on a 2-core,
# 24 GB machine for PostgreSQL, Redis, the app and its workers.
if [ "$NODES" -eq 1 ]; then HEAP=${ES_HEAP:-1g}; else HEAP=${ES_HEAP:-512m}; fi
CLUSTER_DIR="$RUN_DIR/es-cluster"

# Where node I (1..9 of a cluster, or `single`, the development node) lives and listens.
node_home() { if [ "$1" = single ]; then echo "$RUN_DIR/elasticsearch"; else echo "$CLUSTER_DIR/node-$1"; fi; }
node_number() { if [ "$1" = single ]; then echo 1; else echo "$1"; fi; }
node_http() { echo $((ES_PORT + $(node_number "$1") - 1)); }
node_transport() { echo $((ES_TRANSPORT_PORT + $(node_number "$1") - 1)); }
# The nodes `up` starts: the single node, or 1..N.
wanted_nodes() { if [ "$NODES" -eq 1 ]; then echo single; else seq 1 "$NODES"; fi; }

build() {
  if [ -f "$DIST/.built" ]; then return 0; fi
  command -v mvn >/dev/null || apt_install maven
  log "building Elasticsearch $ES_VERSION from Maven Central into $DIST (once per version of scripts/elasticsearch/)"
  local tmp; tmp=$(mktemp -d)
  mkdir -p "$tmp/lib"
  (cd "$ROOT/scripts/elasticsearch" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory="$tmp/lib" -DincludeScope=runtime) || die "Maven could not fetch Elasticsearch $ES_VERSION (output above)"
  mkdir -p "$tmp/modlib" "$tmp/modules/transport-netty4" "$tmp/plugins/language-analyzers" "$tmp/classes" "$tmp/plugin-classes"
  for jar in "$tmp"/lib/*.jar; do
    case $(basename "$jar") in
      netty-*|transport-netty4-*) mv "$jar" "$tmp/modules/transport-netty4/" ;;
      *) mv "$jar" "$tmp/modlib/" ;;
    esac
  done
  local netty_jar; netty_jar=$(ls "$tmp"/modules/transport-netty4/transport-netty4-*.jar)
  unzip -p "$netty_jar" META-INF/es-plugins/transport-netty4/plugin-descriptor.properties > "$tmp/modules/transport-netty4/plugin-descriptor.properties"
  unzip -p "$netty_jar" META-INF/es-plugins/transport-netty4/entitlement-policy.yaml > "$tmp/modules/transport-netty4/entitlement-policy.yaml" 2>/dev/null || true
  "$JAVA_HOME/bin/javac" -nowarn -d "$tmp/classes" -cp "$tmp/modlib/*" \
    "$ROOT"/scripts/elasticsearch/launcher/org/metropolis/esnode/*.java
  "$JAVA_HOME/bin/javac" -nowarn -d "$tmp/plugin-classes" -cp "$tmp/modlib/*" \
    "$ROOT"/scripts/elasticsearch/plugin/org/metropolis/esnode/plugin/*.java
  "$JAVA_HOME/bin/jar" cf "$tmp/plugins/language-analyzers/language-analyzers.jar" -C "$tmp/plugin-classes" .
  cat > "$tmp/plugins/language-analyzers/plugin-descriptor.properties" <<DESC
description=english, french and spanish analyzers, lowercase and asciifolding filters, GET / (Lucene classes)
version=1.0
name=language-analyzers
classname=org.metropolis.esnode.plugin.LanguageAnalyzersPlugin
java.version=17
elasticsearch.version=$ES_VERSION
DESC
  rm -rf "$tmp/lib" "$tmp/plugin-classes"
  echo "$SOURCES_HASH" > "$tmp/.built"
  mkdir -p "$CACHE_DIR"
  rm -rf "$DIST"
  mv "$tmp" "$DIST"
  chmod -R a+rX "$DIST"
  chmod a+rx "$CACHE_DIR"
}

start_node() {
  local node=$1 home http transport
  home=$(node_home "$node"); http=$(node_http "$node"); transport=$(node_transport "$node")
  if pid_alive "$home/node.pid"; then log "node $node already running (pid $(cat "$home/node.pid"))"; return 0; fi
  port_open "$http" && die "port $http is taken by another process; stop it or set ES_PORT"
  mkdir -p "$home"/{config,data,logs,tmp}
  # The node's home holds its modules and plugins as the distribution lays them out.
  rm -rf "$home/modules" "$home/plugins"
  ln -s "$DIST/modules" "$home/modules"
  ln -s "$DIST/plugins" "$home/plugins"
  chown -R "$ES_USER" "$home"
  local extra=()
  if [ "$node" != single ]; then
    local seeds=() i
    for i in $(seq 1 "$NODES"); do seeds+=("127.0.0.1:$(node_transport "$i")"); done
    extra=(node.name="node-$node" discovery.type=multi-node
      discovery.seed_hosts="$(IFS=,; echo "${seeds[*]}")")
    # Only when the cluster forms for the first time: the first (up to) three nodes elect its
    # first master. A node that joins a formed cluster (a restart, an added node) must not
    # carry the setting (Elasticsearch warns, and could bootstrap a second cluster).
    if [ "$BOOTSTRAP" = 1 ] && [ "$node" -le 3 ]; then
      local masters=() m
      for m in $(seq 1 $((NODES < 3 ? NODES : 3))); do masters+=("node-$m"); done
      extra+=(cluster.initial_master_nodes="$(IFS=,; echo "${masters[*]}")")
    fi
  fi
  log "starting Elasticsearch $ES_VERSION node $node on 127.0.0.1:$http (heap $HEAP, log $home/node.log)"
  # setsid puts runuser and the JVM in a session (and process group) of their own, which
  # `down` stops as a whole.
  setsid runuser -u "$ES_USER" -- "$JAVA_HOME/bin/java" \
      -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -Djava.io.tmpdir="$home/tmp" \
      -Dlog4j2.formatMsgNoLookups=true -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
      --module-path "$DIST/modlib" --add-modules=ALL-MODULE-PATH \
      -cp "$DIST/classes" org.metropolis.esnode.EsNode "$home" "$http" "$transport" "${extra[@]}" \
      >"$home/node.log" 2>&1 < /dev/null &
  echo $! > "$home/node.pid"
}

healthy() {
  # healthy HTTP_PORT NODES: the node answers, sees a cluster of at least NODES nodes, yellow
  curl -sf "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&wait_for_nodes=%3E%3D$2&timeout=5s"
}

up() {
  local only=${1:-}
  build
  ensure_user "$ES_USER"
  mkdir -p "$RUN_DIR"
  chmod a+rx "$RUN_DIR"
  local nodes; nodes=$(wanted_nodes)
  BOOTSTRAP=0
  if [ "$NODES" -gt 1 ]; then
    mkdir -p "$CLUSTER_DIR"; chmod a+rx "$CLUSTER_DIR"
    # A cluster none of whose nodes has data yet is being formed for the first time.
    if [ -z "$(find "$CLUSTER_DIR" -mindepth 3 -maxdepth 3 -path '*/data/*' -print -quit)" ]; then
      BOOTSTRAP=1
    fi
    if [ -n "$only" ]; then nodes=$only; fi
  fi
  local started=$SECONDS node
  for node in $nodes; do start_node "$node"; done
  local port; port=$(node_http "${only:-$(echo "$nodes" | head -n1)}")
  # Three JVMs starting at once on two busy cores take longer than one.
  local patience=$((NODES == 1 ? 120 : 180))
  if ! wait_for "$patience" "Elasticsearch ($NODES node(s), port $port)" healthy "$port" "$NODES"; then
    for node in $nodes; do
      log "last lines of node $node:"; tail -n 40 "$(node_home "$node")/node.log" >&2
    done
    # Only what this call started: a node that fails to rejoin leaves the others serving.
    if [ -n "$only" ]; then down "$only"; else down; fi
    die "Elasticsearch did not become healthy within $patience s (logs above)"
  fi
  log "Elasticsearch ready in $((SECONDS - started)) s"
}

stop_node() {
  local home; home=$(node_home "$1")
  local pid_file="$home/node.pid"
  if pid_alive "$pid_file"; then
    local pid; pid=$(cat "$pid_file")
    # runuser keeps the JVM as its child: stop the node's own session, and only if it really
    # is its own (never the caller's).
    local sid; sid=$(ps -o sid= -p "$pid" | tr -d ' ')
    if [ "$sid" = "$pid" ]; then pkill -TERM -s "$sid" || true; else kill "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 60); do pid_alive "$pid_file" || break; sleep 0.5; done
    pid_alive "$pid_file" && kill -9 "$pid" 2>/dev/null || true
    log "stopped node $1"
  fi
  rm -f "$pid_file"
}

down() {
  local only=${1:-} node port
  if [ -n "$only" ]; then
    stop_node "$only"
    port=$(node_http "$only")
    for _ in $(seq 1 40); do port_open "$port" || break; sleep 0.5; done
    return 0
  fi
  # Every node this run folder holds, whatever ES_NODES says now.
  stop_node single
  for home in "$CLUSTER_DIR"/node-*; do
    if [ -d "$home" ]; then stop_node "${home##*/node-}"; fi
  done
  # the JVM may outlive runuser for a moment; wait until the ports are free
  for node in $(wanted_nodes); do
    port=$(node_http "$node")
    for _ in $(seq 1 40); do port_open "$port" || break; sleep 0.5; done
  done
}

status() {
  if [ "$NODES" -eq 1 ]; then
    curl -s "http://127.0.0.1:$ES_PORT/" || { echo "Elasticsearch is not running"; return 1; }
  else
    curl -s "http://127.0.0.1:$ES_PORT/_cat/nodes?v&h=name,ip,http_address,heap.max,master,node.role" \
      && curl -s "http://127.0.0.1:$ES_PORT/_cluster/health?pretty" \
      || { echo "node 1 of the cluster is not running"; return 1; }
  fi
}

"${1:-status}" "${@:2}"
