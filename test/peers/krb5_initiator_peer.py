#!/usr/bin/python3
"""Third-party Kerberos *initiator* peer: MIT krb5 through python3-gssapi (krb5 mechanism, no SPNEGO).

Usage: krb5_initiator_peer.py --ccache PATH --service PRINCIPAL [--cbt-hex HEX] [--spnego]
  line protocol (base64 tokens, JSON answers):
  -> {"token": AP-REQ}                 our first line (mutual, integ, conf, replay, sequence)
  <- AP-REP                            the acceptor's answer
--spnego: the same through MIT's SPNEGO (a NegTokenInit carrying the AP-REQ, then its NegTokenResp).
  -> {"ok": true, "mic": MIC over b"mechlist"} or {"ok": false, "error": ...}
  <- acceptor MIC over b"mechlist"
  -> {"ok": true} when it verifies, {"ok": false, "error": ...} otherwise
KRB5CCNAME is the ccache (its service ticket is used, no KDC is asked), KRB5_CONFIG a minimal
krb5.conf, both set before MIT's library loads.
"""
import argparse, atexit, base64, json, os, shutil, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument('--ccache', required=True)
ap.add_argument('--service', required=True)
ap.add_argument('--cbt-hex')
ap.add_argument('--spnego', action='store_true')
args = ap.parse_args()

work = tempfile.mkdtemp(prefix='krb5-initiator-')
atexit.register(shutil.rmtree, work, True)
conf = os.path.join(work, 'krb5.conf')
with open(conf, 'w') as f:
    f.write('[libdefaults]\n default_realm = CORP.EXAMPLE.TEST\n dns_lookup_realm = false\n'
            ' dns_lookup_kdc = false\n rdns = false\n dns_canonicalize_hostname = false\n'
            ' allow_weak_crypto = true\n[realms]\n CORP.EXAMPLE.TEST = {\n  kdc = 127.0.0.1:1\n }\n')
os.environ['KRB5_CONFIG'] = conf
os.environ['KRB5CCNAME'] = 'FILE:' + args.ccache

import gssapi  # noqa: E402  (after the environment above)
from gssapi.raw import ChannelBindings  # noqa: E402

def out(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()

def line():
    return base64.b64decode(sys.stdin.readline().strip())

RF = gssapi.RequirementFlag
cb = ChannelBindings(application_data=bytes.fromhex(args.cbt_hex)) if args.cbt_hex else None
try:
    name = gssapi.Name(args.service, gssapi.NameType.kerberos_principal)
    ctx = gssapi.SecurityContext(name=name, usage='initiate', mech=gssapi.OID.from_int_seq('1.3.6.1.5.5.2') if args.spnego else gssapi.MechType.kerberos, channel_bindings=cb,
                                 flags=RF.mutual_authentication | RF.integrity | RF.confidentiality | RF.replay_detection | RF.out_of_sequence_detection)
    out({'token': base64.b64encode(ctx.step()).decode()})
    ctx.step(line())
    if not ctx.complete:
        out({'ok': False, 'error': 'context not complete after the AP-REP'})
        sys.exit(1)
    out({'ok': True, 'mic': base64.b64encode(ctx.get_signature(b'mechlist')).decode()})
    ctx.verify_signature(b'mechlist', line())
    out({'ok': True})
except gssapi.exceptions.GSSError as e:
    out({'ok': False, 'error': str(e)})
    sys.exit(1)
