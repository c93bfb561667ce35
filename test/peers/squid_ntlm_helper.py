#!/usr/bin/python3
"""Squid NTLM authenticator backed by gss-ntlmssp (a third-party NTLM acceptor).

Squid runs this as `auth_param ntlm program`. It speaks Squid's stateful NTLM
helper protocol (the "squid-2.5-ntlmssp" protocol of Samba's ntlm_auth) on
stdin/stdout, one line per message, and leaves every NTLM decision to
gss-ntlmssp 1.2 driven through python3-gssapi as an acceptor with the raw NTLM
mechanism OID 1.3.6.1.4.1.311.2.2.10 (no SPNEGO), exactly as
gss_acceptor_peer.py does. Passwords come from a gss-ntlmssp user file
(`NTLM_USER_FILE`, lines `DOMAIN:user:password`). No NTLM code of ntlmgate is
used here.

Usage (from squid.conf; the program line is split on spaces):
  auth_param ntlm program /usr/bin/python3 squid_ntlm_helper.py --users-file PATH \
      [--computer-name WEB1] [--netbios-domain CORP] [--no-layout-fix] [--debug-log PATH]

Protocol (Squid 5.7, concurrency 0, checked against Squid's helper reply parser
src/helper/Reply.cc and src/auth/ntlm/UserRequest.cc, and by the interop test):
  Squid -> helper                     helper -> Squid
  YR <base64 NEGOTIATE>               TT <base64 CHALLENGE>
                                      NA <reason>        gss-ntlmssp refused the NEGOTIATE
  KK <base64 AUTHENTICATE>            AF <DOMAIN\\user>   logged on (Squid's user name)
                                      NA <reason>        wrong password, unknown user, ...
  anything unusable                   BH <reason>        (bad base64, KK before YR, unknown
                                                         command, empty token, internal error)
  * TT must carry the bare token as its first word: Squid 5 stores the first
    word after "TT " as the token, so "TT token=<b64>" hands the literal text
    "token=<b64>" to the client (tried: the client's handshake then fails, 407).
  * AF with one word is the NTLM form (the user name, sent raw: an unquoted
    backslash is kept, access.log shows CORP\\alice); AF with two words is
    read as "token user" (Negotiate). The Squid 3.4+ key=value forms work too
    (tried with Squid 5.7): "OK user=CORP%5Calice" (value URL-decoded) and
    "ERR message=<url-escaped text>". AF/NA/BH is what Squid 5.7's own
    ntlm_fake_auth sends, so this helper uses them.
  * NA's text becomes Squid's deny message; it is not parsed for key=value
    pairs. BH makes Squid log "ERROR: NTLM Authentication validating user"
    and answer 407; the helper keeps running. Both end in a 407 with a bare
    "Proxy-Authenticate: NTLM" (a fresh offer).
  * A YR always starts a fresh gss-ntlmssp context (Squid reserves a stateful
    helper for one connection's handshake and sends YR again for a new one).
    After AF/NA the context is dropped; a KK without a pending context is BH.

Layout fix for curl (on by default, --no-layout-fix turns it off). curl 7.88
sends message layouts gss-ntlmssp 1.2 refuses although nothing is wrong with
their content:
  1. a 32-byte NEGOTIATE without the 8-byte Version field (gss-ntlmssp decodes
     NEGOTIATEs only from 40 bytes on): the helper appends 8 zero bytes, i.e.
     an all-zero Version field. Only done for exactly 32 bytes with
     NTLMSSP_NEGOTIATE_VERSION clear (then no payload can follow the header).
  2. an AUTHENTICATE with the 64-byte pre-Version header whose flags still
     carry NTLMSSP_NEGOTIATE_VERSION (echoed from gss-ntlmssp's CHALLENGE),
     which gss-ntlmssp rejects unless the payload starts at >= 72: the helper
     inserts an all-zero 8-byte Version field after NegotiateFlags and adds 8
     to the payload offsets. Only done when the lowest payload offset is 64.
Both edits only add zero bytes and move the payload: no response, key, name,
flag or MIC is changed, so gss-ntlmssp still verifies the NTLMv2 response
against the password. A 64-byte AUTHENTICATE header has no room for a MIC;
should a client pair a 32-byte NEGOTIATE with a MIC elsewhere, gss-ntlmssp
would compute it over the padded NEGOTIATE and refuse (fails closed). Every
edit is logged (see below). Clients that send the MS-NLMP layout with the
Version field (python ntlm-auth / requests-ntlm, ntlmgate's NtlmClientContext,
Windows) pass through byte for byte.

stderr (Squid points helper stderr at its cache.log) gets one line per
outcome, which the tests read: "squid_ntlm_helper[pid]: AF CORP\\alice" (plus
" (layout fix: negotiate+authenticate)" when one was applied), "NA ...",
"NEGOTIATE refused by gss-ntlmssp: ...", "BH ...".

Runtime: re-execs under Debian's /usr/bin/python3 and with the legacy OpenSSL
config when hashlib lacks MD4 (peer_runtime.ensure_runtime). It never exits on
bad input: every request line gets exactly one reply line. It exits when stdin
closes (Squid shutting the helper down).
"""
import os
import sys

from peer_runtime import ensure_runtime  # noqa: E402

ensure_runtime(__file__)

import argparse  # noqa: E402
import base64  # noqa: E402
import binascii  # noqa: E402
import struct  # noqa: E402

NTLM_OID = "1.3.6.1.4.1.311.2.2.10"
SIGNATURE = b"NTLMSSP\x00"
NEGOTIATE_VERSION = 0x02000000
# AUTHENTICATE payload fields (len, maxlen, offset) in header order: LmChallengeResponse,
# NtChallengeResponse, DomainName, UserName, Workstation, EncryptedRandomSessionKey.
AUTH_FIELD_POSITIONS = (12, 20, 28, 36, 44, 52)
AUTH_FLAGS_AT = 60
LEGACY_AUTH_HEADER = 64
# Keep replies on one line and well under Squid's helper buffer.
MAX_REASON = 300
MAX_LINE = 64 * 1024


def log(text):
    sys.stderr.write(f"squid_ntlm_helper[{os.getpid()}]: {text}\n")
    sys.stderr.flush()


def reply(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def one_line(text):
    """Reason text safe for a reply line: printable ASCII, no newlines, bounded."""
    clean = "".join(c if 32 <= ord(c) < 127 else " " for c in str(text))
    return " ".join(clean.split())[:MAX_REASON] or "no reason given"


def fix_negotiate(msg):
    """curl's 32-byte NEGOTIATE -> 40 bytes with a zero Version field; else unchanged."""
    if len(msg) != 32 or msg[:8] != SIGNATURE or msg[8:12] != b"\x01\x00\x00\x00":
        return msg, False
    (flags,) = struct.unpack_from("<I", msg, 12)
    if flags & NEGOTIATE_VERSION:
        return msg, False
    return msg + b"\x00" * 8, True


def fix_authenticate(msg):
    """A 64-byte-header AUTHENTICATE claiming NEGOTIATE_VERSION -> Version field inserted."""
    if len(msg) < LEGACY_AUTH_HEADER or msg[:8] != SIGNATURE or msg[8:12] != b"\x03\x00\x00\x00":
        return msg, False
    (flags,) = struct.unpack_from("<I", msg, AUTH_FLAGS_AT)
    if not flags & NEGOTIATE_VERSION:
        return msg, False
    fields = [struct.unpack_from("<HHI", msg, at) for at in AUTH_FIELD_POSITIONS]
    used = [off for (ln, _mx, off) in fields if ln > 0]
    if not used or min(used) != LEGACY_AUTH_HEADER:
        return msg, False
    out = bytearray(msg[:LEGACY_AUTH_HEADER]) + b"\x00" * 8 + msg[LEGACY_AUTH_HEADER:]
    for at, (ln, mx, off) in zip(AUTH_FIELD_POSITIONS, fields):
        if off >= LEGACY_AUTH_HEADER:
            struct.pack_into("<HHI", out, at, ln, mx, off + 8)
    return bytes(out), True


class Helper:
    def __init__(self, args):
        self.args = args
        self.gssapi = None
        self.creds = None
        self.setup_error = None
        self.ctx = None
        self.fixes = []
        try:
            import gssapi  # imported after NTLM_USER_FILE etc. are set

            self.gssapi = gssapi
            self.creds = gssapi.Credentials(usage="accept", mechs=[gssapi.OID.from_int_seq(NTLM_OID)])
        except Exception as e:  # noqa: BLE001 - reported as BH on every request
            self.setup_error = f"gss-ntlmssp acceptor unavailable: {type(e).__name__}: {e}"
            log(self.setup_error)

    def handle(self, line):
        cmd, _, rest = line.partition(" ")
        words = rest.split()
        if cmd not in ("YR", "KK"):
            return f"BH unknown request {one_line(cmd[:20])!s}"
        if not words:
            self.ctx = None
            return f"BH {cmd} without an NTLM token"
        try:
            token = base64.b64decode(words[0], validate=True)
        except (binascii.Error, ValueError) as e:
            self.ctx = None
            return f"BH {cmd} token is not base64: {one_line(e)}"
        if self.setup_error:
            return f"BH {one_line(self.setup_error)}"
        if cmd == "YR":
            return self.negotiate(token)
        return self.authenticate(token)

    def negotiate(self, token):
        gssapi = self.gssapi
        self.ctx = None
        self.fixes = []
        if self.args.layout_fix:
            token, fixed = fix_negotiate(token)
            if fixed:
                self.fixes.append("negotiate")
        try:
            ctx = gssapi.SecurityContext(creds=self.creds, usage="accept")
            challenge = ctx.step(token)
        except gssapi.exceptions.GSSError as e:
            log(f"NEGOTIATE refused by gss-ntlmssp: {one_line(e)}")
            return f"NA NEGOTIATE refused: {one_line(e)}"
        if not challenge:
            return "BH gss-ntlmssp produced no CHALLENGE"
        self.ctx = ctx
        return "TT " + base64.b64encode(challenge).decode("ascii")

    def authenticate(self, token):
        gssapi = self.gssapi
        ctx, self.ctx = self.ctx, None
        if ctx is None:
            return "BH KK without a pending YR on this helper"
        fixes = list(self.fixes)
        if self.args.layout_fix:
            token, fixed = fix_authenticate(token)
            if fixed:
                fixes.append("authenticate")
        note = f" (layout fix: {'+'.join(fixes)})" if fixes else ""
        if fixes:
            log(f"layout fix: {'+'.join(fixes)} (zero Version field inserted, no other byte changed)")
        try:
            out = ctx.step(token)
        except gssapi.exceptions.GSSError as e:
            log(f"NA{note}: {one_line(e)}")
            return f"NA {one_line(e)}"
        if out or not ctx.complete:
            return "BH gss-ntlmssp did not complete after the AUTHENTICATE"
        user = str(ctx.initiator_name).rstrip("\x00")
        if not user or any(c.isspace() or ord(c) < 32 for c in user):
            return f"NA unusable user name {one_line(repr(user))}"
        log(f"AF {user}{note}")
        return f"AF {user}"


def parse_args(argv):
    p = argparse.ArgumentParser(description="Squid NTLM helper backed by gss-ntlmssp")
    p.add_argument("--users-file", required=True)
    p.add_argument("--computer-name", default="WEB1")
    p.add_argument("--netbios-domain", default="CORP")
    p.add_argument("--no-layout-fix", dest="layout_fix", action="store_false")
    p.add_argument("--debug-log")
    return p.parse_args(argv)


def main():
    args = parse_args(sys.argv[1:])
    os.environ["NTLM_USER_FILE"] = os.path.abspath(args.users_file)
    os.environ["NETBIOS_COMPUTER_NAME"] = args.computer_name
    os.environ["NETBIOS_DOMAIN_NAME"] = args.netbios_domain
    if args.debug_log:
        os.environ["GSSNTLMSSP_DEBUG"] = args.debug_log
    if not os.path.isfile(args.users_file):
        log(f"users file not found: {args.users_file} (every request will get BH)")
    helper = Helper(args)
    stdin = sys.stdin.buffer
    while True:
        raw = stdin.readline(MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            # Drain the rest of an overlong line, answer it once.
            while raw and not raw.endswith(b"\n"):
                raw = stdin.readline(MAX_LINE + 1)
            log("BH request line too long")
            reply("BH request line too long")
            continue
        try:
            line = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            reply("BH request line is not ASCII")
            continue
        if not line:
            reply("BH empty request")
            continue
        try:
            answer = helper.handle(line)
        except Exception as e:  # noqa: BLE001 - never crash on input
            helper.ctx = None
            log(f"internal error: {type(e).__name__}: {e}")
            answer = f"BH internal error: {one_line(type(e).__name__)}"
        if answer.startswith("BH "):
            log(answer)
        reply(answer)


if __name__ == "__main__":
    main()
