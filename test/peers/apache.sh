#!/usr/bin/env bash
# Apache httpd 2.4 + mod_auth_gssapi 1.6.4 + gss-ntlmssp 1.2 as an Integrated Windows
# Authentication server on 127.0.0.1, for the interop tests and the HTTP server benchmark.
# NTLM (raw `NTLM` header, and NTLM inside SPNEGO `Negotiate`) is checked by gss-ntlmssp
# against a local user file; no Kerberos, no KDC, no network beyond loopback.
#
#   test/peers/apache.sh start  [PORT]   start (or find running) the instance on 127.0.0.1:PORT;
#                                        waits until it answers; prints its URL, e.g.
#                                        http://127.0.0.1:18081/ (the only line on stdout)
#   test/peers/apache.sh stop   [PORT]   stop it (TERM, KILL after 10 s); nothing to stop is fine
#   test/peers/apache.sh status [PORT]   exit 0 and a line on stdout when running, 3 when not
#   test/peers/apache.sh check           exit 0 when Apache, the modules and gss-ntlmssp are installed,
#                                        else 1 with what is missing on stderr (tests skip on it)
#
# Environment (all optional):
#   NTLMGATE_APACHE_PORT=18081        the port when no PORT argument is given
#   NTLMGATE_APACHE_DIR=<dir>         all state (config, user file, logs, pid); default
#                                     ${TMPDIR:-/tmp}/ntlmgate-apache-<port>
#   NTLMGATE_APACHE_ACCESS_LOG=1      0: no access log (the benchmark turns it off)
#   NTLMGATE_APACHE_THREADS=32        mpm_event ThreadsPerChild (2 processes)
#
# Users (NTLM_USER_FILE, DOMAIN:user:password): CORP\alice / Al1ce!Pass2026,
# CORP\bob / B0b!Pass2026. Names: NETBIOS_COMPUTER_NAME=WEB1, NETBIOS_DOMAIN_NAME=CORP.
# gss-ntlmssp verifies NTLMv2 with the file's domain string, so a client must send exactly
# `CORP` (or no domain); it also rejects NEGOTIATE messages shorter than 40 bytes (curl's).
#
# Locations:
#   /          NTLM or Negotiate(NTLM), connection-bound; a static page
#   /whoami    same; body `user=<REMOTE_USER>` (mod_include)
#   /public/   no authentication
# Authenticated responses carry `X-Auth-User: <REMOTE_USER>` (e.g. CORP\alice).
#
# Apache runs in the foreground of its own session (setsid), started with an empty
# environment plus the gss-ntlmssp variables; as root it drops to www-data (the user file is
# group-readable by www-data only). Needs no stdin (CI). Exit 1 with the reason on stderr
# when Apache or the modules are missing or it does not come up.
set -euo pipefail

log() { printf 'peers/apache.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

CMD=${1:-}
PORT=${2:-${NTLMGATE_APACHE_PORT:-18081}}
[[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]] || die "bad port: $PORT"
DIR=${NTLMGATE_APACHE_DIR:-${TMPDIR:-/tmp}/ntlmgate-apache-$PORT}
ACCESS_LOG=${NTLMGATE_APACHE_ACCESS_LOG:-1}
THREADS=${NTLMGATE_APACHE_THREADS:-32}
[[ "$THREADS" =~ ^[0-9]+$ && "$THREADS" -ge 4 ]] || die "NTLMGATE_APACHE_THREADS must be a number >= 4"
PIDFILE=$DIR/httpd.pid
MODULES=/usr/lib/apache2/modules
HTTPD=${NTLMGATE_APACHE_BIN:-/usr/sbin/apache2}

pid_alive() {
  local pid
  [[ -s "$PIDFILE" ]] || return 1
  pid=$(<"$PIDFILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# Sends `GET PATH` to 127.0.0.1:PORT and prints the status code (nothing if no answer).
http_status() {
  local path=$1 line
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$PORT" >&3
    IFS= read -r -t 5 line <&3 || exit 1
    line=${line%$'\r'}
    [[ "$line" =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  ) 2>/dev/null || true
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

check_installed() {
  [[ -x "$HTTPD" ]] || die "$HTTPD not found (Debian apache2; run test/peers/install.sh)"
  local m
  for m in mod_mpm_event mod_auth_gssapi mod_authz_core mod_authn_core mod_authz_user mod_headers mod_include mod_mime mod_dir; do
    [[ -f "$MODULES/$m.so" ]] || die "$MODULES/$m.so missing (apache2 / libapache2-mod-auth-gssapi; run test/peers/install.sh)"
  done
  grep -qs '1\.3\.6\.1\.4\.1\.311\.2\.2\.10' /etc/gss/mech /etc/gss/mech.d/* \
    || die "gss-ntlmssp is not registered in /etc/gss/mech.d (run test/peers/install.sh)"
}

write_files() {
  mkdir -p "$DIR/www/public" "$DIR/run"
  chmod 755 "$DIR" "$DIR/www" "$DIR/www/public" "$DIR/run"
  printf 'hello from Apache httpd + mod_auth_gssapi (authenticated)\n' >"$DIR/www/index.html"
  printf 'hello from Apache httpd (public)\n' >"$DIR/www/public/index.html"
  printf 'user=<!--#echo var="REMOTE_USER" encoding="none" -->\n' >"$DIR/www/whoami"
  chmod 644 "$DIR/www/index.html" "$DIR/www/public/index.html" "$DIR/www/whoami"

  # The user file holds passwords: readable by the server user only.
  (
    umask 077
    printf '%s\n' 'CORP:alice:Al1ce!Pass2026' 'CORP:bob:B0b!Pass2026' >"$DIR/ntlm_users"
  )
  if [[ $(id -u) -eq 0 ]]; then
    chgrp www-data "$DIR/ntlm_users"
    chmod 640 "$DIR/ntlm_users"
  fi

  local user_lines='' access_lines=''
  if [[ $(id -u) -eq 0 ]]; then user_lines=$'User www-data\nGroup www-data'; fi
  if [[ "$ACCESS_LOG" == 1 ]]; then
    access_lines="LogFormat \"%h:%{remote}p \\\"%r\\\" %>s %b user=%u ka=%k us=%D\" peer
CustomLog $DIR/access.log peer"
  fi
  cat >"$DIR/httpd.conf" <<EOF
# Generated by ntlmgate test/peers/apache.sh (port $PORT)
ServerRoot "$DIR"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile $PIDFILE
DefaultRuntimeDir $DIR/run
Mutex file:$DIR/run default
ErrorLog $DIR/error.log
LogLevel warn
$user_lines

LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authn_core_module $MODULES/mod_authn_core.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule authz_user_module $MODULES/mod_authz_user.so
LoadModule auth_gssapi_module $MODULES/mod_auth_gssapi.so
LoadModule headers_module $MODULES/mod_headers.so
LoadModule include_module $MODULES/mod_include.so
LoadModule mime_module $MODULES/mod_mime.so
LoadModule dir_module $MODULES/mod_dir.so

# A 2-core box: two processes, $THREADS threads each; keep-alive connections wait in the
# event loop, not on a thread.
StartServers 2
ServerLimit 2
ThreadLimit $THREADS
ThreadsPerChild $THREADS
MaxRequestWorkers $((2 * THREADS))
MinSpareThreads $THREADS
MaxSpareThreads $((2 * THREADS))
MaxConnectionsPerChild 0

KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
Timeout 30
ListenBacklog 1024

TypesConfig /etc/mime.types
AddDefaultCharset utf-8
DirectoryIndex index.html
DocumentRoot $DIR/www
$access_lines

<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory $DIR/www>
    Options None
    AllowOverride None
</Directory>

# NTLM via gss-ntlmssp: raw "NTLM" needs the context kept on the connection across its two
# round trips (and the connection then stays authenticated: no header on later requests).
<Location />
    AuthType GSSAPI
    AuthName "ntlmgate-peer"
    GssapiAllowedMech ntlmssp
    GssapiConnectionBound On
    GssapiPublishMech On
    Require valid-user
    Header set X-Auth-User "expr=%{REMOTE_USER}" "expr=-n %{REMOTE_USER}"
</Location>

<Location /whoami>
    Options +Includes
    ForceType text/plain
    SetOutputFilter INCLUDES
</Location>

<Location /public/>
    Require all granted
</Location>
EOF
  # Only the variables gss-ntlmssp and MIT krb5 read; no keytab, no krb5.conf from the host.
  cat >"$DIR/env" <<EOF
PATH=/usr/sbin:/usr/bin:/sbin:/bin
LANG=C
NTLM_USER_FILE=$DIR/ntlm_users
NETBIOS_COMPUTER_NAME=WEB1
NETBIOS_DOMAIN_NAME=CORP
KRB5_CONFIG=$DIR/krb5.conf
KRB5_KTNAME=FILE:$DIR/no.keytab
KRB5CCNAME=FILE:$DIR/no.ccache
EOF
  : >"$DIR/krb5.conf"
  chmod 644 "$DIR/krb5.conf" "$DIR/env" "$DIR/httpd.conf"
}

start() {
  check_installed
  if pid_alive; then
    if [[ -n "$(http_status /public/)" ]]; then
      log "already running (pid $(<"$PIDFILE")) in $DIR"
      printf 'http://127.0.0.1:%s/\n' "$PORT"
      return 0
    fi
    log "pid $(<"$PIDFILE") is alive but 127.0.0.1:$PORT does not answer; restarting"
    stop
  fi
  port_open && die "127.0.0.1:$PORT is in use by something else"
  mkdir -p "$DIR"
  rm -f "$PIDFILE"
  write_files
  local env_lines=()
  mapfile -t env_lines <"$DIR/env"
  env -i "${env_lines[@]}" "$HTTPD" -t -f "$DIR/httpd.conf" </dev/null >"$DIR/configtest.log" 2>&1 \
    || { cat "$DIR/configtest.log" >&2; die "apache2 -t failed"; }
  # Foreground in its own session: the whole process group is ours to stop.
  env -i "${env_lines[@]}" setsid "$HTTPD" -f "$DIR/httpd.conf" -DFOREGROUND </dev/null >>"$DIR/stdout.log" 2>&1 &
  local launched=$! i
  for ((i = 0; i < 150; i++)); do
    if ! kill -0 "$launched" 2>/dev/null; then
      tail -n 20 "$DIR/error.log" "$DIR/stdout.log" >&2 2>/dev/null || true
      die "apache2 exited during start-up"
    fi
    if pid_alive && [[ "$(http_status /public/)" == 200 ]]; then
      log "started $("$HTTPD" -v 2>/dev/null | sed -n 's/^Server version: //p') pid $(<"$PIDFILE") in $DIR"
      printf 'http://127.0.0.1:%s/\n' "$PORT"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$DIR/error.log" >&2 2>/dev/null || true
  kill -TERM "$launched" 2>/dev/null || true
  die "apache2 did not answer on 127.0.0.1:$PORT within 15 s"
}

stop() {
  if ! pid_alive; then
    log "not running (nothing to stop) in $DIR"
    rm -f "$PIDFILE"
    return 0
  fi
  local pid i
  pid=$(<"$PIDFILE")
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not exit after TERM; sending KILL to its process group"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

status() {
  if pid_alive; then
    printf 'running: pid %s, http://127.0.0.1:%s/, state in %s\n' "$(<"$PIDFILE")" "$PORT" "$DIR"
    return 0
  fi
  printf 'not running (port %s, state in %s)\n' "$PORT" "$DIR"
  return 3
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  check) check_installed ;;
  *) log "usage: $0 start|stop|status [PORT] | check"; exit 2 ;;
esac
