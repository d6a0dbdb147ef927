# The local cluster of scripts/cluster: network namespaces, PostgreSQL, and per node the proxy, the
# control plane and the node agent. Source it after common.sh and postgres.sh; do not run it.
# shellcheck shell=bash

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
CLUSTER_DIR=${CODERMON_CLUSTER_DIR:-/tmp/codermon-cluster}
CLUSTER_NET=${CODERMON_CLUSTER_NET:-10.77.0}
CLUSTER_PREFIX=${CODERMON_CLUSTER_PREFIX:-cm}
CLUSTER_BRIDGE=${CLUSTER_PREFIX}br0
CLUSTER_DB_NS=${CLUSTER_PREFIX}-db
CLUSTER_DB_ADDR=$CLUSTER_NET.2
CLUSTER_DB_PORT=5432
CLUSTER_DOMAIN=${CODERMON_DOMAIN:-codermon.internal}
CLUSTER_RUNTIME=${CODERMON_CLUSTER_RUNTIME:-process}
CLUSTER_USER=${CODERMON_PROCESS_USER:-alice}

node_addr() { echo "$CLUSTER_NET.$((10 + ${1#n}))"; }
node_ns() { echo "$CLUSTER_PREFIX-$1"; }
node_dir() { echo "$CLUSTER_DIR/$1"; }
cluster_nodes() { cat "$CLUSTER_DIR/nodes" 2>/dev/null || true; }

# Runs a command in the node's namespace (or, for the db, PostgreSQL's).
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cluster_network_up() {
  local count=$1 i ns
  ip link show "$CLUSTER_BRIDGE" >/dev/null 2>&1 || {
    ip link add "$CLUSTER_BRIDGE" type bridge
    ip addr add "$CLUSTER_NET.1/24" dev "$CLUSTER_BRIDGE"
    ip link set "$CLUSTER_BRIDGE" up
  }
  # Bridged frames pass the host's FORWARD chain (br_netfilter), whose policy Docker sets to DROP: let the
  # cluster's own bridge talk to itself, and nothing else.
  if command -v iptables >/dev/null; then
    iptables -C FORWARD -i "$CLUSTER_BRIDGE" -o "$CLUSTER_BRIDGE" -j ACCEPT 2>/dev/null \
      || iptables -I FORWARD 1 -i "$CLUSTER_BRIDGE" -o "$CLUSTER_BRIDGE" -j ACCEPT
  fi
  cluster_ns_up "$CLUSTER_DB_NS" "$CLUSTER_DB_ADDR"
  for ((i = 1; i <= count; i++)); do
    cluster_ns_up "$(node_ns "n$i")" "$(node_addr "n$i")"
  done
}

# cluster_ns_up NS ADDR: a namespace with loopback and one veth end on the bridge.
cluster_ns_up() {
  local ns=$1 addr=$2 host=${1}h
  ip netns list | grep -qw "^$ns" && return 0
  ip netns add "$ns"
  ip link add "$host" type veth peer name eth0 netns "$ns"
  ip link set "$host" master "$CLUSTER_BRIDGE" up
  in_ns "$ns" ip link set lo up
  in_ns "$ns" ip addr add "$addr/24" dev eth0
  in_ns "$ns" ip link set eth0 up
}

cluster_network_down() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^$CLUSTER_PREFIX-" || true); do
    ip link del "${ns}h" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$CLUSTER_BRIDGE" 2>/dev/null || true
  if command -v iptables >/dev/null; then
    iptables -D FORWARD -i "$CLUSTER_BRIDGE" -o "$CLUSTER_BRIDGE" -j ACCEPT 2>/dev/null || true
  fi
}

cluster_db_start() {
  local data=$CLUSTER_DIR/pg/data sock=$CLUSTER_DIR/pg/sock
  in_ns "$CLUSTER_DB_NS" runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -l "$CLUSTER_DIR/pg/postgres.log" -w \
    -o "-p $CLUSTER_DB_PORT -k $sock -c listen_addresses=$CLUSTER_DB_ADDR" start >/dev/null \
    || die "PostgreSQL did not start (log: $CLUSTER_DIR/pg/postgres.log)"
  say "PostgreSQL on $CLUSTER_DB_ADDR:$CLUSTER_DB_PORT (namespace $CLUSTER_DB_NS)"
}

cluster_db_stop() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  say "PostgreSQL stopped"
}

# A fresh PostgreSQL data directory with the role codermon (password in $CLUSTER_DIR/db-password) and
# its database; host connections only from the cluster's subnet, with a password.
cluster_db_init() {
  local pg=$CLUSTER_DIR/pg
  if [ -d "$pg/data" ]; then cluster_db_start; return 0; fi
  mkdir -p "$pg/sock"
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$CLUSTER_DIR/db-password"
  chmod 600 "$CLUSTER_DIR/db-password"
  chown -R postgres "$pg"
  # Only the postgres OS user reaches the server's socket, and only as itself (peer): a bare local process
  # must not get the superuser by connecting to it (it did with initdb's default local trust).
  chmod 700 "$pg/sock"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$pg/data" --auth-local=peer --auth-host=scram-sha-256 \
    -U postgres >/dev/null
  echo "host codermon codermon $CLUSTER_NET.0/24 scram-sha-256" >>"$pg/data/pg_hba.conf"
  cluster_db_start
  in_ns "$CLUSTER_DB_NS" runuser -u postgres -- "$PG_BIN/psql" -h "$pg/sock" -p "$CLUSTER_DB_PORT" -q \
    -v pw="$(cat "$CLUSTER_DIR/db-password")" <<'SQL' >/dev/null
CREATE ROLE codermon LOGIN PASSWORD :'pw';
CREATE DATABASE codermon OWNER codermon;
SQL
}

# Prints the environment a node's three processes run with (one VAR=value a line).
cluster_node_env() {
  local node=$1 addr
  addr=$(node_addr "$node")
  cat <<ENV
CODERMON_HOME=$(node_dir "$node")/home
CODERMON_STORE=postgres
CODERMON_DATABASE_URL=jdbc:postgresql://$CLUSTER_DB_ADDR:$CLUSTER_DB_PORT/codermon
CODERMON_DATABASE_USER=codermon
CODERMON_DATABASE_PASSWORD_FILE=$CLUSTER_DIR/db-password
CODERMON_NODE_ID=$node
CODERMON_RELAY_ADDRESS=$addr:5003
CODERMON_RELAY_PORT=5003
CODERMON_RELAY_TLS_DIR=$(node_dir "$node")/relay-tls
CODERMON_PROXY_BIND=$addr
CODERMON_PROXY_PORT=5000
CODERMON_PROXY_ADMIN_PORT=5002
CODERMON_PROXY_ADMIN_ALLOWED_HOSTS=$addr:5002
CODERMON_CP_BIND=$addr
CODERMON_CP_PORT=5001
CODERMON_CP_ALLOWED_HOSTS=$addr:5001
CODERMON_PROXY_URL=http://$addr:5000
CODERMON_DOMAIN=$CLUSTER_DOMAIN
CODERMON_PROCESS_USER=$CLUSTER_USER
CODERMON_NODE_CAPACITY=${CODERMON_NODE_CAPACITY:-5}
ENV
}

# cluster_start_role NODE ROLE: starts one process of a node in the background, records its PID.
cluster_start_role() {
  local node=$1 role=$2 dir ns jar main logs
  dir=$(node_dir "$node")
  ns=$(node_ns "$node")
  logs=$dir/home/logs
  mkdir -p "$logs"
  local -a envs
  mapfile -t envs < <(cluster_node_env "$node")
  case "$role" in
    proxy) jar=$PROXY_JAR; main="" ;;
    control-plane) jar=$CP_JAR; main=""; envs+=(CODERMON_RUNTIME=nodes) ;;
    agent)
      jar=$CP_JAR; main=dev.codermon.controlplane.node.NodeAgentMain
      envs+=(CODERMON_RUNTIME="$CLUSTER_RUNTIME")
      if [ "$CLUSTER_RUNTIME" = docker ]; then
        envs+=(CODERMON_IMAGE="$(workspace_image)")
        ns="" # Docker's firewall rules live in this machine's namespace
      else
        [ -n "${CODERMON_CODE_SERVER_BIN:-}" ] || ensure_code_server
        envs+=(CODERMON_CODE_SERVER_BIN="$CODERMON_CODE_SERVER_BIN")
      fi ;;
    *) die "role must be proxy, control-plane or agent, was '$role'" ;;
  esac
  local -a cmd=(env "${envs[@]}" java ${CODERMON_JAVA_OPTS:-})
  if [ -n "$main" ]; then cmd+=(-cp "$jar" "$main"); else cmd+=(-jar "$jar"); fi
  if [ -n "$ns" ]; then cmd=(ip netns exec "$ns" "${cmd[@]}"); fi
  # Where this start's lines begin in the appended log: cluster_wait_role reads only those.
  stat -c %s "$logs/$role.log" 2>/dev/null >"$dir/$role.logstart" || echo 0 >"$dir/$role.logstart"
  setsid "${cmd[@]}" >>"$logs/$role.log" 2>&1 </dev/null &
  echo $! >"$dir/$role.pid"
}

cluster_wait_role() {
  local node=$1 role=$2 addr pid i
  addr=$(node_addr "$node")
  pid=$(cat "$(node_dir "$node")/$role.pid")
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$(node_dir "$node")/home/logs/$role.log" >&2; die "$node's $role exited"; }
    case "$role" in
      control-plane) curl -fsS -o /dev/null --max-time 2 "http://$addr:5001/healthz" 2>/dev/null && return 0 ;;
      proxy) (exec 3<>"/dev/tcp/$addr/5000") 2>/dev/null && return 0 ;;
      agent) tail -c +"$(($(cat "$(node_dir "$node")/agent.logstart" 2>/dev/null || echo 0) + 1))" \
          "$(node_dir "$node")/home/logs/agent.log" 2>/dev/null | grep -q "node agent $node started" && return 0 ;;
    esac
    sleep 0.2
  done
  die "$node's $role did not come up (log: $(node_dir "$node")/home/logs/$role.log)"
}

cluster_kill() {
  local node=$1 role=$2 pidfile
  pidfile=$(node_dir "$node")/$role.pid
  [ -f "$pidfile" ] || die "no $role recorded for $node"
  kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
  say "killed $node's $role (kill -9)"
}

# Issues the cluster CA once and a relay certificate per node (edge-proxy's relay tool).
cluster_certs() {
  local count=$1 i
  for ((i = 1; i <= count; i++)); do
    [ -f "$(node_dir "n$i")/relay-tls/node.crt" ] && continue
    java -cp "$PROXY_JAR" dev.codermon.proxy.relay.NodeCertificatesMain --ca-dir "$CLUSTER_DIR/cluster-ca" --node "n$i" \
      --out "$(node_dir "n$i")/relay-tls" >/dev/null || die "issuing n$i's relay certificate failed"
  done
}

# Copies what every node must share from n1's data directory: the token signing key and its public
# keys, the admin key, and the local CA that signs the proxies' https certificates.
cluster_share_keys() {
  local count=$1 i from
  from=$(node_dir n1)/home
  for ((i = 2; i <= count; i++)); do
    local to
    to=$(node_dir "n$i")/home
    mkdir -p "$to" && chmod 700 "$to"
    cp -p "$from/signing-key.jwk" "$from/public-keys.jwks" "$from/admin.key" "$to/"
    [ -d "$from/ca" ] && cp -rp "$from/ca" "$to/"
  done
}

cluster_up() {
  local count=$1 i node
  [ "$(id -u)" = 0 ] || die "scripts/cluster needs root (ip netns, runuser postgres)"
  [ -f "$CLUSTER_DIR/nodes" ] && die "a cluster is up already under $CLUSTER_DIR (scripts/cluster down first)"
  ensure_postgres
  build_if_needed
  if [ "$CLUSTER_RUNTIME" = process ]; then ensure_code_server; fi
  # 0711: PostgreSQL (its own user) must reach its data directory inside; every secret has its own mode.
  mkdir -p "$CLUSTER_DIR" && chmod 711 "$CLUSTER_DIR"
  seq -f 'n%g' 1 "$count" >"$CLUSTER_DIR/nodes"
  cluster_network_up "$count"
  cluster_db_init
  cluster_certs "$count"
  mkdir -p "$(node_dir n1)/home" && chmod 700 "$(node_dir n1)/home"
  # n1's control plane and proxy first: they create the keys the others share.
  for role in control-plane proxy; do cluster_start_role n1 "$role"; cluster_wait_role n1 "$role"; done
  cluster_share_keys "$count"
  for node in $(cluster_nodes); do
    for role in control-plane proxy agent; do
      [ -f "$(node_dir "$node")/$role.pid" ] || cluster_start_role "$node" "$role"
    done
  done
  for node in $(cluster_nodes); do
    for role in control-plane proxy agent; do cluster_wait_role "$node" "$role"; done
  done
  cluster_status
  cat <<NEXT

Admin key: $(node_dir n1)/home/admin.key   Database password: $CLUSTER_DIR/db-password
Create a workspace through any node's API, open it through any node's proxy, e.g.:
  token=\$(curl -s -H "Authorization: Bearer \$(cat $(node_dir n1)/home/admin.key)" -H 'Content-Type: application/json' \\
       -d '{"user":"$CLUSTER_USER"}' http://$(node_addr n1):5001/api/tokens | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -H "Authorization: Bearer \$token" -H 'Content-Type: application/json' -d '{"name":"main"}' http://$(node_addr n1):5001/api/workspaces
  curl -x http://$(node_addr n2):5000 -U "$CLUSTER_USER:\$token" http://main.$CLUSTER_USER.$CLUSTER_DOMAIN/healthz
  scripts/cluster down     stops everything
NEXT
}

cluster_status() {
  local node role pid state
  [ -f "$CLUSTER_DIR/nodes" ] || { say "no cluster under $CLUSTER_DIR"; return 0; }
  for node in $(cluster_nodes); do
    local line="$node $(node_addr "$node"):"
    for role in proxy control-plane agent; do
      pid=$(cat "$(node_dir "$node")/$role.pid" 2>/dev/null || true)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then state="up (pid $pid)"; else state=down; fi
      line="$line  $role $state"
    done
    echo "$line"
  done
}

# stop_process_tree_list PID...: stops each process and what it started (common.sh's stop_process_tree).
stop_process_tree_list() {
  local pid
  for pid in "$@"; do stop_process_tree "$pid"; done
}

# The containers of a docker cluster's workspaces (CODERMON_CLUSTER_RUNTIME=docker) outlive their agents, as
# they must for an agent's restart: remove those of this cluster's nodes (a node's agent labels them with the
# hash of its data directory, DockerNames.instanceOf). Their volumes, the workspaces' files, are kept.
cluster_containers_down() {
  command -v docker >/dev/null && docker info >/dev/null 2>&1 || return 0
  local node instance ids
  for node in $(cluster_nodes); do
    instance=$(printf %s "$(realpath -ms "$(node_dir "$node")/home")" | sha256sum | cut -c1-16)
    ids=$(docker ps -aq --filter "label=dev.codermon.instance=$instance")
    if [ -n "$ids" ]; then
      say "removing node $node's workspace containers (their volumes are kept)"
      docker rm -f $ids >/dev/null || say "warning: could not remove every container of node $node"
    fi
  done
}

cluster_down() {
  local node role pid
  for node in $(cluster_nodes); do
    for role in agent control-plane proxy; do
      pid=$(cat "$(node_dir "$node")/$role.pid" 2>/dev/null || true)
      [ -n "$pid" ] && stop_process_tree "$pid"
      rm -f "$(node_dir "$node")/$role.pid"
    done
  done
  # code-server processes of an agent that was killed (kill -9) outlive it, outside its process tree: stop
  # every one whose socket is in this cluster's directories (they are this cluster's, no one else's).
  local leftover
  leftover=$(pgrep -f -- "--socket $CLUSTER_DIR/" || true)
  [ -z "$leftover" ] || stop_process_tree_list $leftover
  cluster_containers_down
  [ -d "$CLUSTER_DIR/pg/data" ] && cluster_db_stop
  cluster_network_down
  rm -f "$CLUSTER_DIR/nodes"
  say "cluster stopped (data kept under $CLUSTER_DIR; remove it for a fresh start)"
}
