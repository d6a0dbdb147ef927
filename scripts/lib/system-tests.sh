# The Java system tests (Maven module system-tests, *IT classes run by failsafe) and what they need on
# this machine. Source it after lib/common.sh and lib/docker.sh; do not run it.
# shellcheck shell=bash

# Installs, once, what the workspace-app tests (AppsIT) run: Debian's python3-flask, python3-fastapi,
# python3-uvicorn and python3-websockets, and vite@7 into $CODERMON_TOOLS/vite-7.
ensure_apps_deps() {
  local tools=${CODERMON_TOOLS:-$HOME/.cache/codermon}
  if ! /usr/bin/python3 -c 'import flask, fastapi, uvicorn, websockets' 2>/dev/null; then
    apt_install python3-flask python3-fastapi python3-uvicorn python3-websockets \
      || die "cannot install the Python app packages"
  fi
  if [ ! -f "$tools/vite-7/node_modules/vite/bin/vite.js" ]; then
    say "installing vite@7 into $tools/vite-7"
    mkdir -p "$tools/vite-7"
    npm_config_fund=false npm_config_audit=false npm install --prefix "$tools/vite-7" --no-save vite@7 >&2 \
      || die "cannot install vite"
  fi
}

# Makes sure everything the system tests need is here: code-server (exported as CODERMON_CODE_SERVER_BIN),
# a Docker daemon with the workspace image (CODERMON_IMAGE), Chromium with playwright-core (PLAYWRIGHT_DIR)
# and the apps' Python packages and vite. Starts no daemon: scripts/test does that.
prepare_system_tests() {
  ensure_code_server
  docker_answers || die "no Docker daemon answers (scripts/test starts one)"
  workspace_image_present || die "the workspace image is missing: run scripts/build-image"
  CODERMON_IMAGE=$(workspace_image)
  PLAYWRIGHT_DIR=$("$CODERMON_ROOT/scripts/install-browser") || die "cannot install the browser"
  export CODERMON_IMAGE PLAYWRIGHT_DIR
  ensure_apps_deps
}

# run_system_tests PATTERN: builds the jars and runs the system tests matching PATTERN (failsafe's
# -Dit.test syntax, e.g. FaultsIT) and no other test. Logs and screenshots: system-tests/target/system-tests/.
run_system_tests() {
  cd "$CODERMON_ROOT"
  mvn -B -pl system-tests -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test="$1" -Dfailsafe.failIfNoSpecifiedTests=false
}
