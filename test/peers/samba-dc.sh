#!/usr/bin/env bash
# A throwaway Samba AD DC on loopback: the KDC for the Kerberos tests and fixtures.
#
#   samba-dc.sh start    provision (first time) into $SAMBA_DC_DIR and start; idempotent
#   samba-dc.sh stop     stop the DC this script started (by its pid file)
#   samba-dc.sh status
#
# Realm CORP.EXAMPLE.TEST (NetBIOS CORP), DC dc1.corp.example.test on 127.0.0.1 (ports 88, 389,
# 445, 135 and the other DC ports on lo only; no DNS server, no NetBIOS). Objects: user alice
# (in group WebUsers), service account websvc with SPNs HTTP/web1.corp.example.test and
# HTTP/web1, msDS-SupportedEncryptionTypes = 28 (RC4, AES128, AES256; without it Samba
# issues RC4 tickets only). Writes $SAMBA_DC_DIR/krb5.conf (no DNS, no reverse lookups) and
# $SAMBA_DC_DIR/web1.keytab (samba-tool domain exportkeytab). Lab passwords below, overridable
# from the environment. Needs root (a Samba DC runs as root) and Debian's samba + krb5-user.
set -euo pipefail

DIR="${SAMBA_DC_DIR:-/tmp/ntlmgate-samba-dc}"
REALM=CORP.EXAMPLE.TEST
DOMAIN=CORP
DNS_DOMAIN=corp.example.test
ADMIN_PASS="${ADMIN_PASS:-Adm1n!Pass2026}"
ALICE_PASS="${ALICE_PASS:-Al1ce!Pass2026}"
WEBSVC_PASS="${WEBSVC_PASS:-W3bSvc!Pass2026}"
CONF="$DIR/samba/etc/smb.conf"
PIDFILE="$DIR/samba.pid"
LOG="$DIR/samba.log"

log() { printf 'samba-dc.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
running() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
listening() { ss -ltn "sport = :$1" 2>/dev/null | grep -q LISTEN; }
st() { samba-tool "$@" -s "$CONF"; }

write_krb5_conf() {
  cat >"$DIR/krb5.conf" <<EOF
[libdefaults]
    default_realm = $REALM
    dns_lookup_realm = false
    dns_lookup_kdc = false
    dns_canonicalize_hostname = false
    rdns = false
[realms]
    $REALM = {
        kdc = 127.0.0.1
    }
[domain_realm]
    .$DNS_DOMAIN = $REALM
    $DNS_DOMAIN = $REALM
    web1 = $REALM
EOF
}

provision() {
  log "provisioning $REALM in $DIR/samba"
  rm -rf "$DIR/samba"
  mkdir -p "$DIR/samba"
  samba-tool domain provision --targetdir="$DIR/samba" --realm="$REALM" --domain="$DOMAIN" \
    --server-role=dc --dns-backend=NONE --host-name=dc1 --host-ip=127.0.0.1 \
    --adminpass="$ADMIN_PASS" --use-rfc2307 \
    --option="interfaces = lo" --option="bind interfaces only = yes" \
    --option="server services = -dns -dnsupdate -nbt -wrepl" \
    --option="disable netbios = yes" --option="smb ports = 445" \
    --option="log file = $DIR/samba/log/log.%m" --option="pid directory = $DIR/samba/run" \
    >"$DIR/provision.log" 2>&1 || { tail -30 "$DIR/provision.log" >&2; die "provision failed"; }
  mkdir -p "$DIR/samba/log" "$DIR/samba/run"
  touch "$DIR/samba/.provisioned"
}

ensure_objects() {
  st domain passwordsettings set --max-pwd-age=0 >/dev/null
  if ! st user show alice >/dev/null 2>&1; then
    st user create alice "$ALICE_PASS" >/dev/null
    st user setexpiry alice --noexpiry >/dev/null
  fi
  st group show WebUsers >/dev/null 2>&1 || st group add WebUsers >/dev/null
  st group listmembers WebUsers 2>/dev/null | grep -qx alice || st group addmembers WebUsers alice >/dev/null
  if ! st user show websvc >/dev/null 2>&1; then
    st user create websvc "$WEBSVC_PASS" >/dev/null
    st user setexpiry websvc --noexpiry >/dev/null
  fi
  local spn
  for spn in "HTTP/web1.$DNS_DOMAIN" HTTP/web1; do
    st spn list websvc 2>/dev/null | grep -q "^[[:space:]]*$spn\$" || st spn add "$spn" websvc >/dev/null
  done
  # samba-tool has no option for msDS-SupportedEncryptionTypes: set it through Samba's Python bindings.
  /usr/bin/python3 - "$CONF" "${WEBSVC_ENCTYPES:-28}" <<'PY'
import sys, ldb
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
dn = db.search(expression="(sAMAccountName=websvc)", attrs=[])[0].dn
m = ldb.Message(dn)
m["e"] = ldb.MessageElement(sys.argv[2], ldb.FLAG_MOD_REPLACE, "msDS-SupportedEncryptionTypes")
db.modify(m)
PY
}

start() {
  mkdir -p "$DIR"
  write_krb5_conf
  if running; then
    log "already running (pid $(cat "$PIDFILE"))"
  else
    listening 88 && die "127.0.0.1:88 is in use by another KDC"
    [[ -f $DIR/samba/.provisioned ]] || provision
    setsid samba -F -s "$CONF" </dev/null >>"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    local i
    for i in $(seq 1 120); do
      listening 88 && listening 389 && break
      running || { tail -20 "$LOG" >&2; die "samba exited during start-up"; }
      sleep 0.5
    done
    listening 88 || die "samba did not listen on 88 within 60 s (see $LOG)"
  fi
  ensure_objects
  rm -f "$DIR/web1.keytab"
  st domain exportkeytab "$DIR/web1.keytab" --principal="HTTP/web1.$DNS_DOMAIN@$REALM" >/dev/null
  log "up: KRB5_CONFIG=$DIR/krb5.conf keytab $DIR/web1.keytab (pid $(cat "$PIDFILE"))"
}

stop() {
  running || { log "not running"; rm -f "$PIDFILE"; return 0; }
  local pid i
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$PIDFILE"
  log "stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running, pid $(cat "$PIDFILE")"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
