#!/usr/bin/env bash
# Throwaway PostgreSQL servers for the audit-store tests and benchmark (Debian's postgresql).
#
#   test/peers/postgres.sh install      install Debian's postgresql if missing (idempotent; no
#                                       apt call, well under a second, when it is there)
#   test/peers/postgres.sh start        install if needed (not with NTLMGATE_PG_NO_INSTALL=1),
#                                       then start a private cluster on 127.0.0.1:<free port> in
#                                       $NTLMGATE_PG_ROOT (default $TMPDIR or /tmp)/ntlmgate-pg-<port>,
#                                       trust auth on loopback only; prints its URL, e.g.
#                                       postgres://postgres@127.0.0.1:41234/postgres (the only
#                                       line on stdout; progress goes to stderr)
#   test/peers/postgres.sh stop URL|PORT|all
#                                       stop that cluster (or every one under the root) and
#                                       delete its directory; nothing to stop is not an error
#
# Installs as root, or through sudo -n when not root; no stdin needed (CI); waits up to 10
# minutes for a dpkg lock held by another apt. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` user (runuser); otherwise as the current user. The
# cluster keeps fsync on: the durability tests SIGKILL writers against it.
# Exit status: 0 = done, 1 = PostgreSQL unavailable or failed to start (reason on stderr).
set -euo pipefail

ROOT=${NTLMGATE_PG_ROOT:-${TMPDIR:-/tmp}}
log() { printf 'peers/postgres.sh: %s\n' "$*" >&2; }

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && printf '%s\n' "$d"
}

ensure_installed() {
  if bindir >/dev/null; then
    log "already installed: $(bindir) (nothing to do)"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no PostgreSQL server in /usr/lib/postgresql and no apt-get: install PostgreSQL yourself" ; return 1
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n)
    else log "not root and no passwordless sudo: run as root: apt-get update && apt-get install -y postgresql"; return 1; fi
  fi
  local apt_opts=(-o DPkg::Lock::Timeout=600)
  log "running: apt-get update"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update </dev/null >&2
  log "running: apt-get install -y postgresql"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y postgresql </dev/null >&2
  bindir >/dev/null || { log "postgresql installed but no server binaries in /usr/lib/postgresql/*/bin"; return 1; }
  log "installed: $(bindir)"
}

# Runs a PostgreSQL program as a user it accepts.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if [[ "${NTLMGATE_PG_NO_INSTALL:-}" != 1 ]]; then ensure_installed; fi
  local bin
  bin=$(bindir) || { log "PostgreSQL server binaries not found (run: test/peers/postgres.sh install)"; return 1; }
  if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then log "running as root but there is no postgres user"; return 1; fi
  local attempt port dir
  for attempt in $(seq 1 20); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    port_in_use "$port" && continue
    dir="$ROOT/ntlmgate-pg-$port"
    mkdir "$dir" 2>/dev/null || continue # another cluster claimed this port
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    cd "$dir" # the server user must be able to stay in its working directory
    if ! as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
      log "initdb failed:"; tail -n 20 "$dir/initdb.log" >&2; rm -rf "$dir"; return 1
    fi
    if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c synchronous_commit=on" start >/dev/null 2>&1; then
      log "started $("$bin/postgres" --version) in $dir"
      printf 'postgres://postgres@127.0.0.1:%s/postgres\n' "$port"
      return 0
    fi
    log "start on port $port failed (attempt $attempt):"; tail -n 5 "$dir/server.log" >&2 || true
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  done
  log "could not start a cluster"; return 1
}

stop_dir() {
  local dir=$1 bin
  if [[ -d "$dir/data" ]] && bin=$(bindir); then
    (cd "$dir" && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1) || log "pg_ctl stop failed for $dir (removing it anyway)"
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

stop() {
  local arg=${1:-} port
  if [[ "$arg" == all ]]; then
    local d
    for d in "$ROOT"/ntlmgate-pg-*; do [[ -d "$d" ]] && stop_dir "$d"; done
    return 0
  fi
  if [[ "$arg" =~ ^[0-9]+$ ]]; then port=$arg
  elif [[ "$arg" =~ :([0-9]+)(/|$) ]]; then port=${BASH_REMATCH[1]}
  else log "usage: $0 stop URL|PORT|all"; return 1; fi
  if [[ -d "$ROOT/ntlmgate-pg-$port" ]]; then stop_dir "$ROOT/ntlmgate-pg-$port"; else log "no cluster on port $port (nothing to do)"; fi
}

case "${1:-}" in
  install) ensure_installed ;;
  start) start ;;
  stop) shift; stop "$@" ;;
  *) log "usage: $0 install | start | stop URL|PORT|all"; exit 1 ;;
esac
