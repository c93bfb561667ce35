#!/usr/bin/python3
"""Third-party Kerberos *acceptor* peer: MIT krb5 through python3-gssapi (krb5 mechanism, no SPNEGO).

Usage: krb5_acceptor_peer.py --keytab PATH [--cbt-hex HEX]
  stdin:  one line, the base64 krb5 GSS token (TOK_ID 01 00, an AP-REQ)
  stdout: {"ok": true, "initiator": "<principal>", "token": "<base64 AP-REP token or empty>"}
          {"ok": false, "error": "<GSS major/minor text>", "token": "<base64 error token or empty>"}
--cbt-hex: the acceptor gets gss_channel_bindings with only application_data = HEX.
KRB5_KTNAME is the keytab; KRB5_CONFIG a minimal krb5.conf (realm CORP.EXAMPLE.TEST, no DNS)
and KRB5RCACHEDIR a private replay-cache directory, all set before MIT's library loads.
"""
import argparse, atexit, base64, json, os, shutil, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument('--keytab', required=True)
ap.add_argument('--cbt-hex')
args = ap.parse_args()

work = tempfile.mkdtemp(prefix='krb5-acceptor-')
atexit.register(shutil.rmtree, work, True)
conf = os.path.join(work, 'krb5.conf')
with open(conf, 'w') as f:
    f.write('[libdefaults]\n default_realm = CORP.EXAMPLE.TEST\n dns_lookup_realm = false\n'
            ' dns_lookup_kdc = false\n rdns = false\n dns_canonicalize_hostname = false\n'
            ' allow_weak_crypto = true\n')
os.environ['KRB5_CONFIG'] = conf
os.environ['KRB5_KTNAME'] = args.keytab
os.environ['KRB5RCACHEDIR'] = work

import gssapi  # noqa: E402  (after the environment above)
from gssapi.raw import ChannelBindings  # noqa: E402

def out(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()

token = base64.b64decode(sys.stdin.readline().strip())
cb = ChannelBindings(application_data=bytes.fromhex(args.cbt_hex)) if args.cbt_hex else None
try:
    # GSS_C_NO_CREDENTIAL: the mechanism named by the token acquires its own, so both krb5 OIDs
    # work (MIT registers Microsoft's 1.2.840.48018.1.2.2 as a mechanism of its own).
    ctx = gssapi.SecurityContext(usage='accept', channel_bindings=cb)
    reply = ctx.step(token)
    if ctx.complete:
        out({'ok': True, 'initiator': str(ctx.initiator_name), 'token': base64.b64encode(reply or b'').decode()})
        sys.exit(0)
    # python-gssapi returns the error token of a failed step instead of raising
    out({'ok': False, 'error': 'context not complete', 'token': base64.b64encode(reply or b'').decode()})
    sys.exit(1)
except gssapi.exceptions.GSSError as e:
    out({'ok': False, 'error': str(e), 'token': base64.b64encode(getattr(e, 'token', None) or b'').decode()})
    sys.exit(1)
