#!/usr/bin/env bash
# Elasticsearch 8 for development and tests: the real server, from Maven Central.
#
#   scripts/elasticsearch.sh up|down|status|build     (`up` builds first when needed)
#
# org.codelibs:elasticsearch-cluster-runner, the usual way to run a node from Maven artifacts,
# publishes its 8.x releases outside Maven Central (Central stops at 7.10.2.0), so this script
# does the equivalent itself: Maven fetches org.elasticsearch:elasticsearch and the
# transport-netty4 module, javac builds a small launcher (scripts/elasticsearch/launcher) and
# a plugin for the pieces of the distribution Central does not carry (scripts/elasticsearch/
# plugin), and the node runs as the unprivileged user `elasticsearch` with a 1 GB heap on
# 127.0.0.1. See scripts/README.md, "How Elasticsearch starts without a distribution".
source "$(dirname "$0")/lib.sh"

ES_VERSION=$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$ROOT/scripts/elasticsearch/pom.xml")
# The build is named after a digest of everything it is made from (the pom, the launcher and
# plugin sources, this script), so a changed source gets a build of its own, and checkouts at
# different versions (worktrees, branches) each use theirs instead of rebuilding over each other
# while a node runs from it.
SOURCES_HASH=$( (cd "$ROOT/scripts" && find elasticsearch elasticsearch.sh -type f | LC_ALL=C sort \
  | xargs sha256sum) | sha256sum | cut -c1-16)
DIST="$CACHE_DIR/elasticsearch-$ES_VERSION-$SOURCES_HASH"
HOME_DIR="$RUN_DIR/elasticsearch"
PID_FILE="$HOME_DIR/node.pid"
ES_USER=elasticsearch
JAVA_HOME=${ES_JAVA_HOME:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
HEAP=${ES_HEAP:-1g}

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

up() {
  if pid_alive "$PID_FILE"; then log "already running (pid $(cat "$PID_FILE"))"; return 0; fi
  port_open "$ES_PORT" && die "port $ES_PORT is taken by another process; stop it or set ES_PORT"
  build
  ensure_user "$ES_USER"
  mkdir -p "$RUN_DIR" "$HOME_DIR"/{config,data,logs,tmp}
  chmod a+rx "$RUN_DIR"
  # The node's home holds its modules and plugins as the distribution lays them out.
  rm -rf "$HOME_DIR/modules" "$HOME_DIR/plugins"
  ln -s "$DIST/modules" "$HOME_DIR/modules"
  ln -s "$DIST/plugins" "$HOME_DIR/plugins"
  chown -R "$ES_USER" "$HOME_DIR"
  log "starting Elasticsearch $ES_VERSION on 127.0.0.1:$ES_PORT (heap $HEAP, log $HOME_DIR/node.log)"
  local started=$SECONDS
  # setsid puts runuser and the JVM in a session of their own, which `down` stops as a whole.
  setsid runuser -u "$ES_USER" -- "$JAVA_HOME/bin/java" \
      -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -Djava.io.tmpdir="$HOME_DIR/tmp" \
      -Dlog4j2.formatMsgNoLookups=true -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
      --module-path "$DIST/modlib" --add-modules=ALL-MODULE-PATH \
      -cp "$DIST/classes" org.metropolis.esnode.EsNode "$HOME_DIR" "$ES_PORT" "$ES_TRANSPORT_PORT" \
      >"$HOME_DIR/node.log" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  if ! wait_for 120 "Elasticsearch" curl -sf "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=5s"; then
    tail -n 40 "$HOME_DIR/node.log" >&2
    down
    die "Elasticsearch did not become healthy within 120 s (log above)"
  fi
  log "Elasticsearch ready in $((SECONDS - started)) s"
}

down() {
  if pid_alive "$PID_FILE"; then
    local pid; pid=$(cat "$PID_FILE")
    # runuser keeps the JVM as its child: stop the node's own session, and only if it really
    # is its own (never the caller's).
    local sid; sid=$(ps -o sid= -p "$pid" | tr -d ' ')
    if [ "$sid" = "$pid" ]; then pkill -TERM -s "$sid" || true; else kill "$pid" 2>/dev/null || true; fi
    for _ in $(seq 1 60); do pid_alive "$PID_FILE" || break; sleep 0.5; done
    pid_alive "$PID_FILE" && kill -9 "$pid" 2>/dev/null || true
    log "stopped"
  fi
  # the JVM may outlive runuser for a moment; wait until the port is free
  for _ in $(seq 1 40); do port_open "$ES_PORT" || break; sleep 0.5; done
  rm -f "$PID_FILE"
}

status() {
  curl -s "http://127.0.0.1:$ES_PORT/" || { echo "Elasticsearch is not running"; return 1; }
}

"${1:-status}"
