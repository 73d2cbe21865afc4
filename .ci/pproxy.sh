#!/usr/bin/env bash
# pproxy on loopback for tests/it/pproxy.rs: one HTTP+SOCKS5 proxy without credentials and
# one that wants alice:s3cret (with `--auth 0`, so that it asks every time instead of
# letting an address through for a month once it authenticated).
#
#   .ci/pproxy.sh start   installs pproxy (once, into target/pproxy from PyPI), starts both,
#                         waits until they listen and prints, for eval:
#                         PPROXY_OPEN=127.0.0.1:PORT PPROXY_AUTH=127.0.0.1:PORT
#   .ci/pproxy.sh stop    stops them
#
# Locally: eval "export $(.ci/pproxy.sh start)"; cargo test --test it pproxy; .ci/pproxy.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${PPROXY_DIR:-$PWD/target/pproxy}
venv=$dir/venv
requirements=.ci/pproxy-requirements.txt

# shellcheck source=.ci/venv.sh
. .ci/venv.sh
say() { printf 'pproxy: %s\n' "$*" >&2; }

install() { install_venv "$venv" "$requirements" pproxy; }

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

listening() {
  "$venv/bin/python" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1" 2>/dev/null
}

# Starts one pproxy listening at `http+socks5://127.0.0.1:PORT/$2` with the extra flags after.
launch() {
  local name=$1 suffix=$2
  shift 2
  for _ in 1 2 3; do
    local port
    port=$(free_port)
    "$venv/bin/pproxy" -l "http+socks5://127.0.0.1:$port/$suffix" "$@" \
      </dev/null >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
    for _ in $(seq 50); do
      if listening "$port"; then
        echo "$port"
        return
      fi
      kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || break
      sleep 0.1
    done
    kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
  done
  cat "$dir/$name.log" >&2
  say "$name did not start"
  exit 1
}

start() {
  install
  stop
  local open auth
  open=$(launch open "")
  auth=$(launch auth "#alice:s3cret" --auth 0)
  echo "PPROXY_OPEN=127.0.0.1:$open PPROXY_AUTH=127.0.0.1:$auth"
}

stop() {
  for name in open auth; do
    if [ -f "$dir/$name.pid" ]; then
      kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
