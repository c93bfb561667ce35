#!/usr/bin/python3
"""MIT krb5's SPNEGO (RFC 4178) with gss-ntlmssp underneath, as initiator or acceptor.

Used to test ntlmgate's Negotiate contexts (mechListMIC and the NTLM RC4 reset
included) against an SPNEGO implementation we did not write.

  gss_spnego_peer.py --role initiate|accept --user U --domain D --password P

JSON lines (base64 tokens):
  initiate: out {"token": b64}; then repeatedly in {"token": b64} -> out {"token": b64}
            (empty when there is nothing more to send); ends with out {"ok": true}
  accept:   repeatedly in {"token": b64} -> out {"token": b64, "complete": bool};
            when complete the line also has "initiator".
  any GSS failure: out {"ok": false, "error": "<text>"} and exit 1.

Quirks handled: the acceptor restricts SPNEGO to NTLM with gss_set_neg_mechs so
MIT does not look for a Kerberos keytab; the initiator gets NTLM credentials
from a gss-ntlmssp user file (NTLM_USER_FILE) and never from a ccache.
"""
import os
import sys

from peer_runtime import emit, ensure_runtime  # noqa: E402

ensure_runtime(__file__)

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402

SPNEGO_OID = "1.3.6.1.5.5.2"
NTLM_OID = "1.3.6.1.4.1.311.2.2.10"




def read_token():
    line = sys.stdin.readline()
    if not line:
        raise SystemExit(0)
    return base64.b64decode(json.loads(line)["token"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--role", choices=["initiate", "accept"], required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--domain", default="")
    p.add_argument("--password", required=True)
    p.add_argument("--target", default="HTTP@web1.corp.example.test")
    args = p.parse_args()
    fd, users = tempfile.mkstemp(prefix="ntlmgate-spnego-users-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(f"{args.domain}:{args.user}:{args.password}\n")
        os.environ.update(
            NTLM_USER_FILE=users,
            NETBIOS_COMPUTER_NAME="WEB1",
            NETBIOS_DOMAIN_NAME="CORP",
            KRB5CCNAME="FILE:/nonexistent",
            KRB5_KTNAME="FILE:/nonexistent",
        )
        import gssapi
        import gssapi.raw as graw

        spnego = gssapi.OID.from_int_seq(SPNEGO_OID)
        ntlm = gssapi.OID.from_int_seq(NTLM_OID)
        try:
            if args.role == "accept":
                creds = gssapi.Credentials(usage="accept", mechs=[spnego])
                graw.set_neg_mechs(creds, [ntlm])
                ctx = gssapi.SecurityContext(creds=creds, usage="accept")
                while not ctx.complete:
                    out = ctx.step(read_token())
                    line = {"token": base64.b64encode(out or b"").decode(), "complete": ctx.complete}
                    if ctx.complete:
                        line["initiator"] = str(ctx.initiator_name).rstrip("\x00")
                    emit(line)
            else:
                os.environ["NTLMUSER"] = args.user
                name = gssapi.Name(args.user, gssapi.NameType.user)
                creds = gssapi.Credentials(name=name, usage="initiate", mechs=[ntlm])
                target = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
                ctx = gssapi.SecurityContext(name=target, creds=creds, usage="initiate", mech=spnego)
                out = ctx.step()
                while True:
                    emit({"token": base64.b64encode(out or b"").decode()})
                    if ctx.complete:
                        break
                    out = ctx.step(read_token())
                emit({"ok": True})
        except gssapi.exceptions.GSSError as e:
            emit({"ok": False, "error": str(e)})
            sys.exit(1)
    finally:
        os.unlink(users)


if __name__ == "__main__":
    main()
