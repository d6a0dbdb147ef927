# Docker daemon and workspace image helpers for scripts/test, build-image, bench-ready and the
# end-to-end scripts. Source it after lib/common.sh; do not run it.
# shellcheck shell=bash

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/codermon-dockerd.log}
DOCKERD_PID_FILE=${DOCKERD_PID_FILE:-/run/codermon-dockerd.pid}

docker_answers() {
  docker info >/dev/null 2>&1
}

# True when a Docker daemon answers and holds the workspace image.
workspace_image_present() {
  docker_answers && docker image inspect "$(workspace_image)" >/dev/null 2>&1
}

# Installs Debian's docker.io when there is no daemon binary. Needs root.
install_docker_if_missing() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return 0
  apt_install docker.io || die "Docker is not installed and installing it failed"
}

# Makes sure a Docker daemon answers: starts dockerd in the background when none does (logging to
# $DOCKERD_LOG, its PID in $DOCKERD_PID_FILE) and waits up to 60 s for it. Sets DOCKERD_STARTED_PID
# when this call started it, so the caller can stop it with stop_dockerd.
ensure_dockerd() {
  DOCKERD_STARTED_PID=
  install_docker_if_missing
  docker_answers && return 0
  [ "$(id -u)" = 0 ] || die "no Docker daemon answers and starting one needs root (dockerd)"
  say "starting dockerd (log: $DOCKERD_LOG)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # setsid: its own session, so a Ctrl-C of the calling script does not take the daemon down mid-test.
  setsid dockerd --pidfile "$DOCKERD_PID_FILE" >>"$DOCKERD_LOG" 2>&1 </dev/null &
  DOCKERD_STARTED_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    docker_answers && { say "dockerd is up (pid $DOCKERD_STARTED_PID)"; return 0; }
    kill -0 "$DOCKERD_STARTED_PID" 2>/dev/null || break
    sleep 0.2
  done
  tail -n 30 "$DOCKERD_LOG" >&2
  die "dockerd did not answer within 60 s (log: $DOCKERD_LOG)"
}

# Stops the dockerd that ensure_dockerd started (by its PID), if it started one.
stop_dockerd() {
  local pid=${DOCKERD_STARTED_PID:-} i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || { DOCKERD_STARTED_PID=; return 0; }
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  DOCKERD_STARTED_PID=
}
