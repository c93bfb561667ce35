#!/usr/bin/python3
"""Third-party NTLM *acceptor* (server) peer for ntlmgate's interop tests.

gss-ntlmssp 1.2 (the MIT GSSAPI NTLMSSP mechanism plugin, Debian package
gss-ntlmssp) driven through python3-gssapi with the raw NTLM mechanism OID
1.3.6.1.4.1.311.2.2.10 (no SPNEGO wrapping: the tokens are bare NTLMSSP
messages). Passwords are checked against a gss-ntlmssp user file.

Usage:
  gss_acceptor_peer.py --users-file PATH [--cbt-hex HEX] [options]
  gss_acceptor_peer.py --user U --domain D --password P [--cbt-hex HEX] [options]
options:
  --computer-name NAME   NETBIOS_COMPUTER_NAME (default WEB1)
  --netbios-domain NAME  NETBIOS_DOMAIN_NAME   (default CORP)
  --report-session-key   add "session_key" (hex) to the success line
  --debug-log PATH       GSSNTLMSSP_DEBUG=PATH (gss-ntlmssp's own trace)

The user file has lines "DOMAIN:user:password" (env NTLM_USER_FILE). With
--user/--domain/--password the script writes a private temporary file with
that one line (removed on exit). NTLM_USER_FILE, NETBIOS_COMPUTER_NAME and
NETBIOS_DOMAIN_NAME are set before python-gssapi / gss-ntlmssp are loaded.

Protocol (stdin / stdout, one JSON object per line):
  in   {"negotiate": "<base64 NEGOTIATE_MESSAGE>"}
  out  {"challenge": "<base64 CHALLENGE_MESSAGE>"}
  in   {"authenticate": "<base64 AUTHENTICATE_MESSAGE>"}
  out  {"ok": true, "initiator": "<DOMAIN\\user>", "complete": true}
       (+ "session_key": "<hex>" with --report-session-key)
  exit 0.
On any failure (GSS error at either step, bad input, setup problem):
  out  {"ok": false, "error": "<text, GSS major/minor text for GSS errors>",
        "stage": "setup" | "negotiate" | "authenticate"}
  exit 1. A rejected NEGOTIATE is reported instead of the challenge line.

--cbt-hex HEX: the acceptor is given gss_channel_bindings with only
application_data = HEX (address types GSS_C_AF_UNSPEC, no addresses), the
same structure ntlm-auth's GssChannelBindingsStruct hashes. A client whose
MsvAvChannelBindings does not match is rejected.

gss-ntlmssp behaviour worth knowing (1.2.0, observed here):
  * A NEGOTIATE shorter than 40 bytes (i.e. without the 8-byte Version
    field) is rejected with "Invalid token was supplied ... Failed to decode
    data" before anything else is looked at.
  * The CHALLENGE always sets NTLMSSP_NEGOTIATE_VERSION and carries a
    Version (6.2, build 0, revision 15). An AUTHENTICATE whose flags keep
    NEGOTIATE_VERSION must have its payload at offset >= 72 (Version field
    present), otherwise "Failed to decode data". An AUTHENTICATE without
    that flag may use the 64-byte legacy header.
  * TargetInfo (NbComputerName, NbDomainName, DnsComputerName = gethostname(),
    MsvAvFlags 0, Timestamp) is only sent when the client negotiated
    UNICODE. An OEM-only NEGOTIATE (python ntlm-auth sends one) gets a short
    60-byte CHALLENGE with TargetName and no TargetInfo at all.
  * NTLMv2 is verified with the domain string of the user-file line, not
    the one the client sent: the client must send that exact domain (case
    matters) or none.
  * Acceptor credentials: gssapi.Credentials(usage='accept',
    mechs=[NTLM OID]) with no name works. A credential *store*
    (gss_acquire_cred_from) without a name makes gss-ntlmssp build a user
    credential -> "Not a server credential type" on accept; so no store is
    used here.
  * The exported session key is available through
    gss_inquire_sec_context_by_oid(GSS_C_INQ_SSPI_SESSION_KEY,
    1.2.840.113554.1.2.2.5.5).

Runtime: always runs under Debian's /usr/bin/python3, and with
OPENSSL_CONF=<this dir>/openssl-legacy.cnf when hashlib has no MD4 (the
plugin links the same libcrypto; harmless otherwise).
"""
import os
import sys

from peer_runtime import emit, ensure_runtime  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NTLM_OID = "1.3.6.1.4.1.311.2.2.10"
INQ_SSPI_SESSION_KEY_OID = "1.2.840.113554.1.2.2.5.5"


ensure_runtime(__file__)

import argparse  # noqa: E402
import base64  # noqa: E402
import binascii  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402


class PeerError(Exception):
    pass


class Failure(Exception):
    def __init__(self, stage, text):
        super().__init__(text)
        self.stage = stage
        self.text = text




def read_message(key, stage):
    """Next non-empty stdin line -> base64-decoded obj[key]; Failure(stage) if unusable."""
    while True:
        line = sys.stdin.readline()
        if line == "":
            raise Failure(stage, f"stdin closed while waiting for {{\"{key}\": ...}}")
        line = line.strip()
        if line:
            break
    try:
        obj = json.loads(line)
    except ValueError as e:
        raise Failure(stage, f"invalid JSON line on stdin: {e}")
    if not isinstance(obj, dict) or not isinstance(obj.get(key), str):
        raise Failure(stage, f"expected a JSON object with a string \"{key}\", got: {line[:200]}")
    try:
        return base64.b64decode(obj[key], validate=True)
    except (binascii.Error, ValueError) as e:
        raise Failure(stage, f"{key} is not valid base64: {e}")


def parse_args(argv):
    p = argparse.ArgumentParser(description="gss-ntlmssp NTLM acceptor peer (JSON lines)")
    p.add_argument("--users-file")
    p.add_argument("--user")
    p.add_argument("--domain", default="")
    p.add_argument("--password")
    p.add_argument("--cbt-hex", dest="cbt_hex")
    p.add_argument("--computer-name", default="WEB1")
    p.add_argument("--netbios-domain", default="CORP")
    p.add_argument("--report-session-key", action="store_true")
    p.add_argument("--debug-log")
    args = p.parse_args(argv)
    if (args.users_file is None) == (args.user is None):
        raise PeerError("give exactly one of --users-file PATH or --user U [--domain D] --password P")
    if args.user is not None and args.password is None:
        raise PeerError("--user needs --password")
    for v, what in ((args.user, "--user"), (args.domain, "--domain")):
        if v and (":" in v or "\n" in v):
            raise PeerError(f"{what} cannot contain ':' or a newline (user-file format)")
    if args.password is not None and "\n" in args.password:
        raise PeerError("--password cannot contain a newline")
    args.cbt = None
    if args.cbt_hex is not None:
        try:
            args.cbt = bytes.fromhex(args.cbt_hex)
        except ValueError as e:
            raise PeerError(f"--cbt-hex is not hex: {e}")
    return args


def gss_text(e):
    # gssapi.exceptions.GSSError renders "Major (N): <text>, Minor (M): <text>"
    return str(e)


def run(args, users_file):
    os.environ["NTLM_USER_FILE"] = users_file
    os.environ["NETBIOS_COMPUTER_NAME"] = args.computer_name
    os.environ["NETBIOS_DOMAIN_NAME"] = args.netbios_domain
    if args.debug_log:
        os.environ["GSSNTLMSSP_DEBUG"] = args.debug_log

    import gssapi
    import gssapi.raw as graw

    oid = gssapi.OID.from_int_seq(NTLM_OID)
    try:
        creds = gssapi.Credentials(usage="accept", mechs=[oid])
        cb = graw.ChannelBindings(application_data=args.cbt) if args.cbt is not None else None
        ctx = gssapi.SecurityContext(creds=creds, usage="accept", channel_bindings=cb)
    except gssapi.exceptions.GSSError as e:
        raise Failure("setup", gss_text(e))

    negotiate = read_message("negotiate", "negotiate")
    try:
        challenge = ctx.step(negotiate)
    except gssapi.exceptions.GSSError as e:
        raise Failure("negotiate", gss_text(e))
    if not challenge:
        raise Failure("negotiate", "gss-ntlmssp produced no CHALLENGE token")
    emit({"challenge": base64.b64encode(challenge).decode("ascii")})

    authenticate = read_message("authenticate", "authenticate")
    try:
        out = ctx.step(authenticate)
    except gssapi.exceptions.GSSError as e:
        raise Failure("authenticate", gss_text(e))
    if out:
        raise Failure("authenticate", f"unexpected output token ({len(out)} bytes) after AUTHENTICATE")
    if not ctx.complete:
        raise Failure("authenticate", "context not complete after AUTHENTICATE")

    # gss-ntlmssp's display name includes the terminating NUL ("CORP\\alice\\x00").
    initiator = str(ctx.initiator_name).rstrip("\x00")
    result = {"ok": True, "initiator": initiator, "complete": True}
    if args.report_session_key:
        try:
            bufs = graw.inquire_sec_context_by_oid(ctx, gssapi.OID.from_int_seq(INQ_SSPI_SESSION_KEY_OID))
            result["session_key"] = bufs[0].hex() if bufs else None
        except gssapi.exceptions.GSSError as e:
            print(f"gss_acceptor_peer: session key not available: {e}", file=sys.stderr)
            result["session_key"] = None
    emit(result)


def main():
    tmp = None
    try:
        try:
            args = parse_args(sys.argv[1:])
        except SystemExit as e:
            if e.code in (0, None):
                raise
            raise PeerError(f"bad command line (exit {e.code}), see stderr")
        if args.users_file is not None:
            if not os.path.isfile(args.users_file):
                raise PeerError(f"users file not found: {args.users_file}")
            users_file = os.path.abspath(args.users_file)
        else:
            fd, tmp = tempfile.mkstemp(prefix="ntlmgate-gss-users-", suffix=".txt")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(f"{args.domain}:{args.user}:{args.password}\n")
            users_file = tmp
        run(args, users_file)
    except Failure as e:
        emit({"ok": False, "error": e.text, "stage": e.stage})
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - every failure becomes a JSON line
        emit({"ok": False, "error": f"{type(e).__name__}: {e}", "stage": "setup"})
        sys.exit(1)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    sys.exit(0)


if __name__ == "__main__":
    main()
