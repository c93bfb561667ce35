#!/usr/bin/env bash
# A real NTLM-authenticating HTTP proxy for the HTTP client tests: Debian's Squid 5 with
# squid_ntlm_helper.py (gss-ntlmssp through python3-gssapi) as its NTLM authenticator.
#
#   test/peers/squid.sh start    write squid.conf + user file into the state dir, start Squid in
#                                the foreground (-N) under setsid, wait until the port accepts,
#                                print the proxy URL (http://127.0.0.1:<port>, the only stdout line)
#   test/peers/squid.sh stop     stop it (SIGTERM: Squid 5 takes about 3 s to shut down even with
#                                shutdown_lifetime 0; SIGKILL after 10 s) and delete the state dir
#   test/peers/squid.sh stop --now   SIGKILL at once (nothing to lose: no cache_dir; the helpers
#                                exit on their own when their stdin closes)
#   test/peers/squid.sh status   print the URL and exit 0 if it runs, exit 1 otherwise
#
# Environment:
#   NTLMGATE_SQUID_PORT        listening port on 127.0.0.1 (default 13128)
#   NTLMGATE_SQUID_DIR         state dir: squid.conf, ntlm_users, squid.pid, cache.log,
#                              access.log, squid.out (default ${TMPDIR:-/tmp}/ntlmgate-squid-<port>)
#   NTLMGATE_SQUID_LAYOUT_FIX  0 = start the helper with --no-layout-fix (curl then fails, see
#                              squid_ntlm_helper.py); default 1
#
# Accounts (gss-ntlmssp user file, NetBIOS domain CORP, computer WEB1):
#   CORP\alice  Al1ce!Pass2026        CORP\bob  B0b!Pass2026
# Policy: NTLM only (no Basic); any authenticated user may GET/CONNECT to loopback destinations
# (127.0.0.0/8, ::1, any port, so CONNECT reaches the tests' HTTPS origins on random ports);
# everything else is denied. Unauthenticated requests get 407 + "Proxy-Authenticate: NTLM".
# No cache_dir (memory only, "cache deny all", no -z needed), no DNS server (dns_nameservers
# 127.0.0.1; names come from /etc/hosts), no ICP/HTCP/pinger.
#
# As root Squid drops to cache_effective_user proxy, so the state dir is chowned to proxy and
# the helper (in this folder) must be readable by it. Works without stdin (CI). Idempotent:
# `start` on a running instance prints its URL; `stop` with nothing running exits 0.
# Exit status: 0 = done, 1 = failure (reason on stderr, with the tail of cache.log).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=${NTLMGATE_SQUID_PORT:-13128}
DIR=${NTLMGATE_SQUID_DIR:-${TMPDIR:-/tmp}/ntlmgate-squid-$PORT}
LAYOUT_FIX=${NTLMGATE_SQUID_LAYOUT_FIX:-1}
PY=/usr/bin/python3
URL="http://127.0.0.1:$PORT"

log() { printf 'peers/squid.sh: %s\n' "$*" >&2; }

squid_bin() {
  local b
  for b in /usr/sbin/squid "$(command -v squid 2>/dev/null || true)"; do
    [[ -n "$b" && -x "$b" ]] && { printf '%s\n' "$b"; return 0; }
  done
  return 1
}

# A killed Squid may stay a zombie until PID 1 reaps it (containers): count that as gone.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ -r "/proc/$1/stat" ]] || return 0
  [[ "$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

running_pid() {
  local pid
  [[ -f "$DIR/squid.pid" ]] || return 1
  pid=$(tr -dc '0-9' <"$DIR/squid.pid")
  [[ -n "$pid" ]] && alive "$pid" || return 1
  printf '%s\n' "$pid"
}

tail_log() { [[ -f "$DIR/cache.log" ]] && tail -n 15 "$DIR/cache.log" >&2 || true; }

write_config() {
  local helper_args="--users-file $DIR/ntlm_users --computer-name WEB1 --netbios-domain CORP"
  [[ "$LAYOUT_FIX" == 0 ]] && helper_args+=" --no-layout-fix"
  {
    echo "# written by test/peers/squid.sh"
    echo "http_port 127.0.0.1:$PORT"
    echo "visible_hostname ntlmgate-squid"
    [[ $(id -u) -eq 0 ]] && echo "cache_effective_user proxy"
    echo "pid_filename $DIR/squid.pid"
    echo "cache_log $DIR/cache.log"
    echo "access_log stdio:$DIR/access.log squid"
    echo "coredump_dir $DIR"
    echo "logfile_rotate 0"
    echo "max_filedescriptors 1024"
    echo "shutdown_lifetime 0 seconds"
    echo "cache deny all"
    echo "cache_mem 8 MB"
    echo "dns_nameservers 127.0.0.1"
    echo "hosts_file /etc/hosts"
    echo "pinger_enable off"
    echo "icp_port 0"
    echo "htcp_port 0"
    echo "forwarded_for delete"
    echo "auth_param ntlm program $PY $HERE/squid_ntlm_helper.py $helper_args"
    echo "auth_param ntlm children 5 startup=1 idle=1"
    echo "auth_param ntlm keep_alive on"
    echo "acl loopback_dst dst 127.0.0.0/8 ::1"
    echo "acl authed proxy_auth REQUIRED"
    echo "http_access deny !loopback_dst"
    echo "http_access allow authed"
    echo "http_access deny all"
  } >"$DIR/squid.conf"
  printf 'CORP:alice:Al1ce!Pass2026\nCORP:bob:B0b!Pass2026\n' >"$DIR/ntlm_users"
}

start() {
  local bin pid i
  bin=$(squid_bin) || { log "squid not found (run test/peers/install.sh)"; return 1; }
  [[ -x "$PY" ]] || { log "$PY not found"; return 1; }
  [[ "$DIR$HERE" != *" "* ]] || { log "paths with spaces are not supported (squid.conf program line): $DIR $HERE"; return 1; }
  if pid=$(running_pid) && port_open; then
    log "already running (pid $pid) in $DIR"
    printf '%s\n' "$URL"
    return 0
  fi
  if port_open; then log "127.0.0.1:$PORT is in use by something else"; return 1; fi
  [[ -n "${pid:-}" ]] && kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$DIR"
  mkdir -p "$DIR"
  write_config
  chmod 0755 "$DIR"
  chmod 0640 "$DIR/ntlm_users"
  if [[ $(id -u) -eq 0 ]]; then
    id proxy >/dev/null 2>&1 || { log "running as root but there is no proxy user"; return 1; }
    chown -R proxy: "$DIR"
    # Squid starts helpers as proxy: they must reach this folder.
    if ! runuser -u proxy -- test -r "$HERE/squid_ntlm_helper.py" -a -r "$HERE/peer_runtime.py"; then
      log "user proxy cannot read $HERE/squid_ntlm_helper.py (make the checkout world-readable)"; return 1
    fi
  fi
  if ! "$bin" -k parse -f "$DIR/squid.conf" >"$DIR/parse.log" 2>&1; then
    log "squid -k parse failed:"; tail -n 20 "$DIR/parse.log" >&2; return 1
  fi
  # -N: no daemon, no kid processes; setsid detaches it from our session and terminal.
  setsid "$bin" -N -f "$DIR/squid.conf" </dev/null >"$DIR/squid.out" 2>&1 &
  local launched=$!
  for i in $(seq 1 150); do
    if port_open && running_pid >/dev/null; then
      log "started $("$bin" -v | head -n 1) pid $(running_pid) on $URL, state in $DIR"
      printf '%s\n' "$URL"
      return 0
    fi
    if ! alive "$launched"; then
      log "squid exited during start-up:"; cat "$DIR/squid.out" >&2 || true; tail_log; return 1
    fi
    sleep 0.1
  done
  log "squid did not accept on $URL within 15 s:"; tail_log
  kill -KILL "$launched" 2>/dev/null || true
  return 1
}

stop() {
  local pid i signal=TERM
  [[ "${1:-}" == --now ]] && signal=KILL
  if pid=$(running_pid); then
    kill -"$signal" "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "squid pid $pid ignored SIGTERM for 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped pid $pid (SIG$signal)"
  else
    log "not running ($DIR)"
  fi
  rm -rf "$DIR"
}

status() {
  local pid
  if pid=$(running_pid) && port_open; then
    log "running, pid $pid, state in $DIR"
    printf '%s\n' "$URL"
    return 0
  fi
  log "not running ($DIR)"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  status) status ;;
  *) echo "usage: $0 start|stop [--now]|status   (env NTLMGATE_SQUID_PORT, NTLMGATE_SQUID_DIR, NTLMGATE_SQUID_LAYOUT_FIX)" >&2; exit 2 ;;
esac
