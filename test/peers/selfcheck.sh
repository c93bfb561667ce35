#!/usr/bin/env bash
# Self-check of the third-party peers, no Node involved: runs the NTLM client
# peers (python ntlm-auth, impacket) against the gss-ntlmssp acceptor peer
# through pair.py, which relays the JSON lines between the two processes, and
# prints PASS/FAIL per case plus a summary. Exit status 0 only if all pass.
#   test/peers/selfcheck.sh            (after test/peers/install.sh)
#   VERBOSE=1 test/peers/selfcheck.sh  (also prints pair.py's JSON per case)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
PAIR=("$PY" "$HERE/pair.py")
CLIENT=("$PY" "$HERE/ntlm_client_peer.py")
ACCEPTOR=("$PY" "$HERE/gss_acceptor_peer.py")

USER_ARGS=(--user alice --domain CORP --password 'Al1ce!Pass2026')
CBT=$(printf 'tls-server-end-point:selfcheck' | od -An -tx1 | tr -d ' \n')
CBT_OTHER=$(printf 'tls-server-end-point:other' | od -An -tx1 | tr -d ' \n')

pass=0
fail=0
LAST_JSON=

# expect NAME PY-EXPR : evaluates PY-EXPR with d = the JSON in $LAST_JSON
expect() {
  local name=$1 expr=$2 out
  if out=$(EXPR="$expr" JSON="$LAST_JSON" "$PY" -c '
import json, os, sys
try:
    d = json.loads(os.environ["JSON"])
except ValueError:
    print("output is not JSON: " + os.environ["JSON"][:300]); sys.exit(1)
ok = eval(os.environ["EXPR"], {"d": d})
if not ok:
    brief = {k: d.get(k) for k in ("ok", "stage", "error", "initiator", "client_session_key",
                                   "acceptor_session_key", "count", "seconds") if k in d}
    print(json.dumps(brief or d)[:600])
sys.exit(0 if ok else 1)
' 2>&1); then
    pass=$((pass + 1)); echo "PASS  $name"
  else
    fail=$((fail + 1)); echo "FAIL  $name"; echo "      $out"
  fi
  [[ -n "${VERBOSE:-}" ]] && echo "      $LAST_JSON"
  return 0
}

# pair CLIENT-ARGS -- ACCEPTOR-ARGS : one relayed handshake, JSON into LAST_JSON
pair() { LAST_JSON=$("${PAIR[@]}" "$@" 2>&1); }

if ! "$PY" -c 'import ntlm_auth.ntlm, impacket.ntlm, gssapi' 2>/dev/null; then
  echo "FAIL  prerequisites: run test/peers/install.sh first"; exit 1
fi

pair --impl ntlm-auth "${USER_ARGS[@]}" -- "${USER_ARGS[@]}"
expect "ntlm-auth -> gss-ntlmssp: authenticated as CORP\\alice, same session key" \
  'd["ok"] and d["initiator"] == "CORP\\alice" and d["session_keys_match"] is True'
CHALLENGE_HEX=$(JSON="$LAST_JSON" "$PY" -c 'import json,os; print(json.loads(os.environ["JSON"]).get("challenge",{}).get("hex",""))' 2>/dev/null)

pair --impl impacket --negotiate-version --workstation WS01 "${USER_ARGS[@]}" -- "${USER_ARGS[@]}"
expect "impacket (--negotiate-version) -> gss-ntlmssp: authenticated, same session key" \
  'd["ok"] and d["initiator"] == "CORP\\alice" and d["session_keys_match"] is True'

pair --impl ntlm-auth --user alice --domain CORP --password wrong -- "${USER_ARGS[@]}"
expect "ntlm-auth, wrong password -> gss-ntlmssp rejects the AUTHENTICATE" \
  'not d["ok"] and d["stage"] == "authenticate" and "Major" in (d["error"] or "")'

pair --impl impacket --negotiate-version --user alice --domain CORP --password wrong -- "${USER_ARGS[@]}"
expect "impacket, wrong password -> gss-ntlmssp rejects the AUTHENTICATE" \
  'not d["ok"] and d["stage"] == "authenticate" and "Major" in (d["error"] or "")'

pair --impl ntlm-auth --user mallory --domain CORP --password 'Al1ce!Pass2026' -- "${USER_ARGS[@]}"
expect "ntlm-auth, unknown user -> rejected" 'not d["ok"] and d["stage"] == "authenticate"'

pair --impl ntlm-auth --user alice --password 'Al1ce!Pass2026' -- "${USER_ARGS[@]}"
expect "ntlm-auth, no domain -> accepted (user-file domain used), initiator 'alice'" \
  'd["ok"] and d["initiator"] == "alice"'

pair --impl impacket "${USER_ARGS[@]}" -- "${USER_ARGS[@]}"
expect "stock impacket (32-byte NEGOTIATE) -> gss-ntlmssp refuses it (known gss-ntlmssp limit)" \
  'not d["ok"] and d["stage"] == "negotiate" and "Failed to decode data" in (d["error"] or "") and d["negotiate"]["length"] == 32'

pair --impl ntlm-auth "${USER_ARGS[@]}" --cbt-hex "$CBT" -- "${USER_ARGS[@]}" --cbt-hex "$CBT"
expect "ntlm-auth + channel bindings, same on both sides -> accepted" 'd["ok"]'

pair --impl ntlm-auth "${USER_ARGS[@]}" --cbt-hex "$CBT_OTHER" -- "${USER_ARGS[@]}" --cbt-hex "$CBT"
expect "ntlm-auth + channel bindings, mismatch -> rejected" \
  'not d["ok"] and d["stage"] == "authenticate"'

pair --impl ntlm-auth "${USER_ARGS[@]}" --lm-level 2 -- "${USER_ARGS[@]}"
expect "ntlm-auth NTLMv1+ESS (--lm-level 2) -> accepted (gss-ntlmssp allows v1), same session key" \
  'd["ok"] and d["authenticate"]["nt_response_length"] == 24 and d["session_keys_match"] is True'

# Client peer on its own: error line, bench mode.
LAST_JSON=$(printf '{"challenge":"not base64!"}\n' | "${CLIENT[@]}" --impl ntlm-auth "${USER_ARGS[@]}" 2>/dev/null | tail -n 1; echo "rc=${PIPESTATUS[1]}")
LAST_JSON=$(printf '%s' "$LAST_JSON" | "$PY" -c 'import sys,json; t=sys.stdin.read().split("\n"); d=json.loads(t[0]); d["rc"]=int(t[1][3:]); print(json.dumps(d))' 2>&1)
expect "client peer: bad CHALLENGE -> {\"error\": ...} and exit 1" '"error" in d and d["rc"] == 1'

if [[ -n "$CHALLENGE_HEX" ]]; then
  B64=$("$PY" -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$CHALLENGE_HEX")
  LAST_JSON=$("${CLIENT[@]}" --impl ntlm-auth "${USER_ARGS[@]}" --bench-challenge "$B64" --bench-seconds 0.5 2>&1)
  expect "client peer --bench-challenge (ntlm-auth, 0.5 s) -> {\"count\": N > 0, \"seconds\": ...}" \
    'd["count"] > 0 and d["seconds"] >= 0.5'
  [[ -z "${VERBOSE:-}" ]] && echo "      ($LAST_JSON)"
else
  fail=$((fail + 1)); echo "FAIL  bench: no CHALLENGE captured from the first case"
fi

# Acceptor peer on its own: garbage AUTHENTICATE.
NEG=$("${CLIENT[@]}" --impl ntlm-auth "${USER_ARGS[@]}" </dev/null 2>/dev/null | head -n 1)
LAST_JSON=$(printf '%s\n{"authenticate":"TlRMTVNTUAADAAAA"}\n' "$NEG" | "${ACCEPTOR[@]}" "${USER_ARGS[@]}" 2>/dev/null | tail -n 1)
expect "acceptor peer: truncated AUTHENTICATE -> {\"ok\": false, \"stage\": \"authenticate\"}" \
  'd["ok"] is False and d["stage"] == "authenticate"'

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
