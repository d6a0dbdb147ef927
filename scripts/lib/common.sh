# Shared by every script under scripts/. Source it; do not run it.
# shellcheck shell=bash

CODERMON_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CP_JAR="$CODERMON_ROOT/control-plane/target/control-plane.jar"
PROXY_JAR="$CODERMON_ROOT/edge-proxy/target/edge-proxy.jar"
BENCH_JAR="$CODERMON_ROOT/benchmarks/target/benchmarks.jar"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages with apt-get, saying which; output goes to stderr. Fails when apt-get
# does, or when this is not root.
apt_install() {
  say "installing Debian packages: $*"
  [ "$(id -u)" = 0 ] || { say "installing them needs root: apt-get install -y $*"; return 1; }
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# field NAME: prints field NAME of the JSON object on stdin (nothing, and a non-zero status, if it is missing).
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Prints the workspace image's tag, the one scripts/build-image builds (CODERMON_IMAGE wins).
workspace_image() {
  "$CODERMON_ROOT/scripts/build-image" --print-tag
}

# True (status 0) when a jar is missing or older than a source file or pom.
jars_stale() {
  local jar newer
  for jar in "$CP_JAR" "$PROXY_JAR" "$BENCH_JAR"; do
    [ -f "$jar" ] || return 0
  done
  newer=$(find "$CODERMON_ROOT/pom.xml" "$CODERMON_ROOT"/shared-auth "$CODERMON_ROOT"/control-plane \
    "$CODERMON_ROOT"/edge-proxy "$CODERMON_ROOT"/benchmarks \( -name target -prune \) -o -type f \( -name '*.java' -o -name 'pom.xml' \
    -o -path '*/src/main/resources/*' \) -newer "$CP_JAR" -print -quit 2>/dev/null)
  [ -n "$newer" ]
}

# Builds the jars unless they exist and are newer than every source file and pom.
build_if_needed() {
  if jars_stale; then
    command -v mvn >/dev/null || die "Maven (mvn) is needed to build Codermon"
    say "building Codermon (mvn package, tests skipped; scripts/test runs them)"
    (cd "$CODERMON_ROOT" && mvn -q -B -Dstyle.color=never -DskipTests package) >&2 || die "build failed"
  fi
}

# Waits until an HTTP URL answers 2xx, or the PID dies, or the time runs out.
wait_http() {
  local url=$1 pid=$2 seconds=${3:-60} i
  for ((i = 0; i < seconds * 5; i++)); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# Waits until a TCP port on 127.0.0.1 accepts connections.
wait_port() {
  local port=$1 pid=$2 seconds=${3:-30} i
  for ((i = 0; i < seconds * 5; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# Starts the control plane in the background and waits for its /healthz. Sets CP_PID.
start_control_plane() {
  local logs="$CODERMON_HOME/logs" cp_port=${CODERMON_CP_PORT:-5001}
  mkdir -p "$logs"
  CODERMON_IMAGE=$(workspace_image) \
    java ${CODERMON_JAVA_OPTS:-} -jar "$CP_JAR" >>"$logs/control-plane.log" 2>&1 &
  CP_PID=$!
  if ! wait_http "http://127.0.0.1:$cp_port/healthz" "$CP_PID" 60; then
    tail -n 30 "$logs/control-plane.log" >&2
    stop_codermon
    die "control plane did not come up on 127.0.0.1:$cp_port (log: $logs/control-plane.log)"
  fi
}

# Starts the proxy in the background and waits for its port. Sets PROXY_PID.
start_proxy() {
  local logs="$CODERMON_HOME/logs" proxy_port=${CODERMON_PROXY_PORT:-5000}
  mkdir -p "$logs"
  # CODERMON_PROXY_JAVA_OPTS comes last, so its options win for the proxy alone.
  java ${CODERMON_JAVA_OPTS:-} ${CODERMON_PROXY_JAVA_OPTS:-} -jar "$PROXY_JAR" >>"$logs/edge-proxy.log" 2>&1 &
  PROXY_PID=$!
  if ! wait_port "$proxy_port" "$PROXY_PID" 30; then
    tail -n 30 "$logs/edge-proxy.log" >&2
    stop_codermon
    die "edge proxy did not come up on 127.0.0.1:$proxy_port (log: $logs/edge-proxy.log)"
  fi
}

# Starts the control plane (which creates the keys the proxy needs), then the proxy.
# Uses CODERMON_* from the environment (see README.md); logs go to $CODERMON_HOME/logs.
start_codermon() {
  start_control_plane
  start_proxy
}

# Stops what start_codermon started, by PID: SIGTERM, then SIGKILL after a grace period.
stop_codermon() {
  local pid i
  for pid in ${PROXY_PID:-} ${CP_PID:-}; do
    kill -TERM "$pid" 2>/dev/null || continue
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PROXY_PID= CP_PID=
}

# Exports CODERMON_CODE_SERVER_BIN, installing code-server first if needed.
ensure_code_server() {
  if [ -z "${CODERMON_CODE_SERVER_BIN:-}" ]; then
    CODERMON_CODE_SERVER_BIN=$("$CODERMON_ROOT/scripts/install-code-server") || die "code-server install failed"
    export CODERMON_CODE_SERVER_BIN
  fi
  [ -x "$CODERMON_CODE_SERVER_BIN" ] || die "CODERMON_CODE_SERVER_BIN=$CODERMON_CODE_SERVER_BIN is not executable"
}

# Tells which workspaces are still running: they outlive the control plane on purpose (the proxy
# keeps serving them) and are adopted again at its next start.
report_running_workspaces() {
  local db="$CODERMON_HOME/routes.db"
  [ -f "$db" ] || return 0
  python3 - "$db" <<'PY' >&2 || true
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT hostname, runtime_ref FROM workspaces WHERE state = 'RUNNING'").fetchall()
if rows:
    print(f"{len(rows)} workspace(s) still running (adopted again at the next start; delete them through"
          " the API to stop them):")
    for host, ref in rows:
        print(f"  {host}  ({'pid ' if ref.isdigit() else 'container '}{ref})")
PY
}

# Stops a process and all its descendants by PID (TERM, then KILL after 10 s), and waits for them.
stop_process_tree() {
  local root=$1 pids=() queue=("$1") p kids i
  while ((${#queue[@]})); do
    p=${queue[0]}; queue=("${queue[@]:1}")
    pids+=("$p")
    kids=$(ps -o pid= --ppid "$p" 2>/dev/null | tr -d ' ' || true)
    for k in $kids; do queue+=("$k"); done
  done
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local alive
  for ((i = 0; i < 50; i++)); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 1 ] || return 0
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# Lists the workspaces recorded in a store as "id runtime_ref" lines. A missing or unreadable store
# lists none.
recorded_workspaces() {
  python3 - "$1" <<'PY' 2>/dev/null
import sqlite3, sys
try:
    for wid, ref in sqlite3.connect(sys.argv[1]).execute("SELECT id, runtime_ref FROM workspaces"):
        print(wid, ref or "")
except Exception:
    pass
PY
}

# Stops every workspace recorded in a store (a test's own temporary CODERMON_HOME): local code-server
# processes by the PID the control plane recorded, containers and their volumes by name. A missing or
# unreadable store stops nothing.
stop_recorded_workspaces() {
  local id ref
  while read -r id ref; do
    [ -n "$id" ] || continue
    if [[ "$ref" =~ ^[0-9]+$ ]]; then
      stop_process_tree "$ref"
    elif command -v docker >/dev/null; then
      docker rm -f "codermon-$id" >/dev/null 2>&1 || true
      docker volume rm "codermon-ws-$id" >/dev/null 2>&1 || true
    fi
  done < <(recorded_workspaces "$1")
}

# Checks for the end-to-end scripts: one PASS/FAIL line per check, then the tally (checks_done, last).
passed=0 failed=0
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    passed=$((passed + 1)); printf 'PASS %s\n' "$1"
  else
    failed=$((failed + 1)); printf 'FAIL %s: expected %s, got %s\n' "$1" "$2" "$3"
  fi
}

# Prints "N passed, N failed" and fails if any check did.
checks_done() {
  printf '%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" = 0 ]
}
