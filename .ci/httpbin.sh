#!/usr/bin/env bash
# httpbin under gunicorn on a free loopback port, for tests/it/httpbin.rs.
#
#   .ci/httpbin.sh start   installs it (once: a virtualenv under target/httpbin with the pins
#                          of .ci/httpbin-requirements.txt, from PyPI), starts it in the
#                          background, waits until it answers and prints its URL
#   .ci/httpbin.sh stop    stops it
#   .ci/httpbin.sh url     prints the URL of the running one
#
# Locally:
#   export HTTPBIN_URL=$(.ci/httpbin.sh start)
#   cargo test --test it httpbin
#   .ci/httpbin.sh stop
#
# Only the URL goes to stdout; pip's and gunicorn's words go to stderr and target/httpbin/log.
# HTTPBIN_DIR puts the virtualenv and the state elsewhere; PYTHON names the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${HTTPBIN_DIR:-$PWD/target/httpbin}
venv=$dir/venv
requirements=.ci/httpbin-requirements.txt

# shellcheck source=.ci/venv.sh
. .ci/venv.sh
say() { printf 'httpbin: %s\n' "$*" >&2; }

# True while `$1` runs (a zombie, left until its parent reaps it, counts as gone).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

# Wheels only: nothing to compile.
install() { install_venv "$venv" "$requirements" gunicorn --only-binary :all:; }

running_pid() {
  local pid
  pid=$(cat "$dir/pid" 2>/dev/null) || return 1
  alive "$pid" && echo "$pid"
}

start() {
  if running_pid >/dev/null; then
    cat "$dir/url"
    return
  fi
  install
  : >"$dir/log"
  # Port 0: gunicorn binds a free port itself (no race with another server) and logs it.
  # gthread workers keep connections alive and serve slow endpoints (/delay, /drip) without
  # holding up the others.
  "$venv/bin/gunicorn" --bind 127.0.0.1:0 --workers 2 --worker-class gthread --threads 16 \
    --graceful-timeout 2 --log-file "$dir/log" httpbin:app </dev/null >>"$dir/log" 2>&1 &
  local pid=$! url=
  echo "$pid" >"$dir/pid"
  # Not left running if this script fails before it answers.
  trap stop EXIT
  for _ in $(seq 200); do
    if ! alive "$pid"; then
      cat "$dir/log" >&2
      say "gunicorn exited"
      exit 1
    fi
    if [ -z "$url" ]; then
      url=$(sed -n 's|.*Listening at: \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$dir/log" | head -1)
    fi
    if [ -n "$url" ] && "$venv/bin/python" -c \
      'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/get", timeout=2)' \
      "$url" 2>/dev/null; then
      echo "$url" >"$dir/url"
      trap - EXIT
      echo "$url"
      return
    fi
    sleep 0.1
  done
  cat "$dir/log" >&2
  say "did not answer within 20 s"
  exit 1
}

stop() {
  local pid
  if pid=$(running_pid); then
    # SIGINT is gunicorn's quick shutdown; SIGKILL if it has not gone after 5 s.
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$dir/pid" "$dir/url"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) running_pid >/dev/null && cat "$dir/url" ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
