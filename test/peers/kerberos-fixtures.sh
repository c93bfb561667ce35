#!/usr/bin/env bash
# Captures the Kerberos fixtures of test/fixtures/kerberos/ (see its README) from a Samba AD DC
# (test/peers/samba-dc.sh) and MIT krb5's tools and python3-gssapi.
#
#   kerberos-fixtures.sh [OUT_DIR]      default: test/fixtures/kerberos
#
# Starts the DC if it is not running (root). Tickets are valid for 10 hours from the capture.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../fixtures/kerberos}"
DC_DIR="${SAMBA_DC_DIR:-/tmp/ntlmgate-samba-dc}"
ALICE_PASS="${ALICE_PASS:-Al1ce!Pass2026}"
WEBSVC_PASS="${WEBSVC_PASS:-W3bSvc!Pass2026}"
REALM=CORP.EXAMPLE.TEST
SPN="HTTP/web1.corp.example.test@$REALM"

SAMBA_DC_DIR="$DC_DIR" "$HERE/samba-dc.sh" start
mkdir -p "$OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export KRB5_CONFIG="$DC_DIR/krb5.conf"

cp "$DC_DIR/web1.keytab" "$OUT/samba-exportkeytab.keytab"

rm -f "$OUT/ktutil.keytab"
printf '%s\n' \
  "addent -password -p $SPN -k 3 -e aes256-cts-hmac-sha1-96 -s ${REALM}websvc" "$WEBSVC_PASS" \
  "addent -password -p $SPN -k 3 -e aes128-cts-hmac-sha1-96 -s ${REALM}websvc" "$WEBSVC_PASS" \
  "addent -password -p HTTP/web1@$REALM -k 300 -e arcfour-hmac" "$WEBSVC_PASS" \
  "addent -password -p alice@$REALM -k 1 -e aes256-cts-hmac-sha1-96 -s ${REALM}alice" "$ALICE_PASS" \
  "wkt $OUT/ktutil.keytab" quit | ktutil >/dev/null

kinit_alice() { # $1 = ccache file, $2 = krb5.conf
  rm -f "$1"
  printf '%s\n' "$ALICE_PASS" | KRB5_CONFIG="$2" KRB5CCNAME="FILE:$1" kinit "alice@$REALM" >/dev/null
  KRB5_CONFIG="$2" KRB5CCNAME="FILE:$1" kvno "$SPN" >/dev/null
}
kinit_alice "$OUT/alice-v4.ccache" "$KRB5_CONFIG"
sed 's/^\[libdefaults\]$/[libdefaults]\n    ccache_type = 3/' "$KRB5_CONFIG" >"$work/krb5-v3.conf"
kinit_alice "$OUT/alice-v3.ccache" "$work/krb5-v3.conf"

KRB5CCNAME="FILE:$OUT/alice-v4.ccache" KRB5_KTNAME="$DC_DIR/web1.keytab" KRB5RCACHEDIR="$work" \
  /usr/bin/python3 - "$OUT" <<'PY'
import os, sys
import gssapi
from gssapi.raw import ChannelBindings
out = sys.argv[1]
cb = ChannelBindings(application_data=b'tls-server-end-point:' + bytes(range(32)))
krb5 = gssapi.OID.from_int_seq('1.2.840.113554.1.2.2')
F = gssapi.RequirementFlag
ini = gssapi.SecurityContext(name=gssapi.Name('HTTP@web1.corp.example.test', gssapi.NameType.hostbased_service),
                             usage='initiate', mech=krb5, channel_bindings=cb,
                             flags=F.mutual_authentication | F.integrity | F.confidentiality | F.replay_detection | F.out_of_sequence_detection)
req = ini.step()
acc = gssapi.SecurityContext(usage='accept', channel_bindings=cb)
rep = acc.step(req)
ini.step(rep)
assert ini.complete and acc.complete
# A second acceptor: MIT's replay cache refuses the same AP-REQ and returns a KRB-ERROR token.
err = gssapi.SecurityContext(usage='accept', channel_bindings=cb).step(req)
for name, data in (('ap-req.gss', req), ('ap-rep.gss', rep), ('krb-error-repeat.gss', err)):
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
PY

for k in ktutil samba-exportkeytab; do
  (cd "$OUT" && TZ=UTC klist -kte -K "$k.keytab") >"$OUT/$k.klist.txt"
done
for c in alice-v3 alice-v4; do
  (cd "$OUT" && TZ=UTC klist -e -C -f -c "FILE:$c.ccache") >"$OUT/$c.klist.txt"
done
chmod 644 "$OUT"/*.keytab "$OUT"/*.ccache
echo "kerberos-fixtures.sh: wrote $OUT"
