# A temporary Codermon instance for the end-to-end scripts: its own CODERMON_HOME and ports, the
# control plane and the proxy started from the real jars, and one EXIT trap that stops them by PID,
# stops every workspace recorded in its store and removes the directory. Source it after
# lib/common.sh; do not run it.
# shellcheck shell=bash

INSTANCE_NAME= INSTANCE_HOME= INSTANCE_KEEP_VAR=
INSTANCE_EXIT_HOOKS=()

# instance_init NAME CP_PORT PROXY_PORT ADMIN_PORT [KEEP_VAR]
# Makes CODERMON_HOME=/tmp/codermon-NAME.XXXXXX and exports it with the ports (CODERMON_CP_PORT,
# CODERMON_PROXY_PORT and CODERMON_PROXY_ADMIN_PORT from the environment win over the defaults given),
# CODERMON_PROXY_URL and CODERMON_CP_URL; sets PROXY (the proxy's address for curl -x) and DOMAIN.
# Sets the EXIT trap (instance_cleanup). With KEEP_VAR, the directory is kept when the script exits
# non-zero or that variable is set; without, it is always removed.
instance_init() {
  INSTANCE_NAME=$1 INSTANCE_KEEP_VAR=${5:-}
  INSTANCE_HOME=$(mktemp -d "/tmp/codermon-$1.XXXXXX") || die "cannot make a temporary CODERMON_HOME"
  export CODERMON_HOME=$INSTANCE_HOME
  export CODERMON_CP_PORT=${CODERMON_CP_PORT:-$2}
  export CODERMON_PROXY_PORT=${CODERMON_PROXY_PORT:-$3}
  export CODERMON_PROXY_ADMIN_PORT=${CODERMON_PROXY_ADMIN_PORT:-$4}
  export CODERMON_PROXY_URL="http://localhost:$CODERMON_PROXY_PORT"
  export CODERMON_CP_URL="http://127.0.0.1:$CODERMON_CP_PORT"
  PROXY="http://127.0.0.1:$CODERMON_PROXY_PORT"
  DOMAIN=${CODERMON_DOMAIN:-codermon.internal}
  trap instance_cleanup EXIT
}

# instance_start [WHAT]: builds the jars if needed, installs code-server if needed, says what starts
# ("NAME: starting Codermon (WHAT, data in ...)") and starts the control plane and the proxy.
instance_start() {
  build_if_needed
  ensure_code_server
  say "$INSTANCE_NAME: starting Codermon (${1:+$1, }data in $CODERMON_HOME)"
  start_codermon
}

# instance_on_exit COMMAND: runs COMMAND (a function or command name, no arguments) at exit, after the
# instance and its workspaces are stopped and before its directory goes; in the order added.
instance_on_exit() {
  INSTANCE_EXIT_HOOKS+=("$1")
}

# The EXIT trap: stops the control plane and the proxy, then every workspace recorded in the
# instance's store, runs the script's own hooks, then removes (or keeps) the directory.
instance_cleanup() {
  local status=$? hook
  stop_codermon
  stop_recorded_workspaces "$INSTANCE_HOME/routes.db"
  for hook in "${INSTANCE_EXIT_HOOKS[@]}"; do "$hook"; done
  if [ -n "$INSTANCE_KEEP_VAR" ] && { [ "$status" != 0 ] || [ -n "${!INSTANCE_KEEP_VAR:-}" ]; }; then
    say "$INSTANCE_NAME data kept in $INSTANCE_HOME"
  else
    rm -rf "$INSTANCE_HOME"
  fi
}
