#!/usr/bin/python3
"""Third-party NTLM *initiator* (client) peer for ntlmgate's interop tests.

Drives one of two NTLM client implementations we did not write, both from
Debian packages:

  --impl ntlm-auth   python3-ntlm-auth 1.4  (ntlm_auth.ntlm.NtlmContext)
  --impl impacket    python3-impacket 0.10  (impacket.ntlm.getNTLMSSPType1/3)

Usage:
  ntlm_client_peer.py --impl ntlm-auth|impacket --user U --domain D --password P
                      [--workstation W] [--lm-level N] [--cbt-hex HEX]
                      [--negotiate-version]            (impacket only, see below)
  ntlm_client_peer.py --impl ... --user U --domain D --password P
                      --bench-challenge B64 --bench-seconds S

Protocol (stdout / stdin, one JSON object per line, UTF-8):
  out  {"negotiate": "<base64 NEGOTIATE_MESSAGE>"}
  in   {"challenge": "<base64 CHALLENGE_MESSAGE>"}
  out  {"authenticate": "<base64 AUTHENTICATE_MESSAGE>",
        "session_key": "<hex ExportedSessionKey>" | null}
  exit 0.   On any error: out {"error": "<text>"}, exit 1.
Bench mode reads nothing: it builds complete handshakes (NEGOTIATE, then
AUTHENTICATE for the given CHALLENGE, fresh library context each time) for S
seconds and prints {"count": N, "seconds": <elapsed, float>}, exit 0.
Diagnostics go to stderr only.

--lm-level N is the LmCompatibilityLevel: ntlm-auth takes it as
ntlm_compatibility (0: LM+NTLMv1, 1: NTLMv1 (+ESS if offered), 2: NTLMv1+ESS,
3-5: NTLMv2; default 3). impacket only knows NTLMv2 (N >= 3, default) or
"not v2" (N < 3: NTLMv1, with ESS when the CHALLENGE offers it).

--cbt-hex HEX: channel binding application data (e.g. the bytes
"tls-server-end-point:" + certificate hash). ntlm-auth puts
MD5(gss_channel_bindings_struct with only application_data set) into the
MsvAvChannelBindings AV pair. impacket 0.10 cannot send channel bindings, so
--cbt-hex with --impl impacket is an error.

Library behaviour worth knowing (observed with the Debian versions):

ntlm-auth 1.4
  * NEGOTIATE is 40 bytes + payload, Version field present (6.1.7601, rev 15)
    and NTLMSSP_NEGOTIATE_VERSION set. It always *removes* NEGOTIATE_UNICODE
    and sets NEGOTIATE_OEM; with --domain it sets OEM_DOMAIN_SUPPLIED and
    puts the domain (ASCII) in the payload, with --workstation likewise
    OEM_WORKSTATION_SUPPLIED. Base flags:
    56|KEY_EXCH|128|VERSION|TARGET_INFO|ALWAYS_SIGN|SEAL|SIGN|OEM, plus
    NTLM|LM_KEY at level 0, NTLM|ESS at level 1, ESS at levels 2-5 (no
    NEGOTIATE_NTLM there): 0xe2889032 with a domain at level 3.
  * The AUTHENTICATE flags are the CHALLENGE flags copied, nothing is
    intersected with what the client asked for. When the CHALLENGE has
    UNICODE, ntlm-auth does `flags -= NEGOTIATE_OEM` (arithmetic, not a bit
    clear): with OEM absent (the usual case) that borrows, e.g. CHALLENGE
    0xa2890205 (UNICODE|REQUEST_TARGET|...) -> AUTHENTICATE 0xa2890203
    (UNICODE|OEM, REQUEST_TARGET gone). Strings are still UTF-16LE.
  * MIC: only when the CHALLENGE TargetInfo has MsvAvTimestamp. Then it
    *overwrites* MsvAvFlags with 0x2 (MIC present; any other bits the server
    sent are lost) and sends an 88-byte header (Version + MIC); the blob's
    TargetInfo is the server's pairs in server order (MsvAvFlags replaced in
    place or appended), then MsvAvChannelBindings if --cbt-hex, then EOL.
    Without a timestamp (e.g. no TargetInfo at all, which is what
    gss-ntlmssp sends to an OEM NEGOTIATE) there is no MIC and the header is
    72 bytes (Version, no MIC); the NTLMv2 blob then carries a TargetInfo the
    client built itself (MsvAvChannelBindings if --cbt-hex, then MsvAvEOL)
    and its own timestamp.
  * domain=None makes NTOWFv2 raise TypeError (user.upper() + None); this
    script passes None for the NEGOTIATE (no OEM_DOMAIN_SUPPLIED) and
    switches the context to "" before the AUTHENTICATE.
  * LM response: 24 zero bytes when the server sent a timestamp (per
    MS-NLMP), LMv2 otherwise.
  * KEY_EXCH: if the CHALLENGE keeps KEY_EXCH, a random 16-byte
    ExportedSessionKey is RC4-encrypted with the KeyExchangeKey.
  * NtlmContext.session_key is only filled when SIGN or SEAL was
    negotiated; otherwise this script reads the same value from the
    (private) _authenticate_message.exported_session_key attribute.
  * MD4 comes from hashlib -> needs OpenSSL's legacy provider (see below).

impacket 0.10
  * Stock NEGOTIATE is 32 bytes: no Version field, no NEGOTIATE_VERSION,
    flags NTLM|ESS|UNICODE|REQUEST_TARGET|128|56 (+TARGET_INFO for v2) =
    0xa0880205 (0xa0080205 with --lm-level < 3); domain and workstation are
    *not* sent in the NEGOTIATE. gss-ntlmssp 1.2 rejects any NEGOTIATE
    shorter than 40 bytes ("Failed to decode data").
  * The AUTHENTICATE flags start from the NEGOTIATE flags, minus
    ESS/128/KEY_EXCH/SEAL/SIGN/ALWAYS_SIGN the CHALLENGE did not offer.
    Stock header is 64 bytes (no Version, no MIC); impacket never computes
    a MIC and never sends MsvAvFlags.
  * If NEGOTIATE_VERSION ends up in the AUTHENTICATE flags, impacket 0.10
    shifts the payload offsets by 24 (Version + MIC) but writes neither
    field, i.e. the message is corrupt. --negotiate-version therefore (a)
    sets impacket's own NTLMAuthNegotiate 'os_version' field (a zero VERSION
    structure, NTLM revision 15) so the NEGOTIATE is 40 bytes with
    NEGOTIATE_VERSION, as gss-ntlmssp needs, and (b) clears
    NEGOTIATE_VERSION from the AUTHENTICATE flags so impacket writes a
    consistent 64-byte header.
  * NTLMv2: impacket adds MsvAvTargetName = "cifs/" + <the CHALLENGE's
    MsvAvNbComputerName> to the blob's TargetInfo (and a timestamp if the
    server sent none); it raises if the CHALLENGE has no NbComputerName
    pair. LM response is LMv2 (HMAC + client challenge), never zeros.
  * The 8-byte client challenge and the 16-byte random session key are
    drawn with random.choice() from [0-9A-Za-z] (not os.urandom), so they
    are printable ASCII.
  * Workstation (--workstation) only goes into the AUTHENTICATE.
  * MD4/RC4/DES come from pycryptodomex, not hashlib.

Runtime: the script always runs under Debian's /usr/bin/python3 (a pyenv
python may shadow it on PATH and lacks the apt modules) and, if hashlib has
no MD4, re-executes itself with OPENSSL_CONF=<this dir>/openssl-legacy.cnf.
"""
import os
import sys

from peer_runtime import emit, ensure_runtime  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


ensure_runtime(__file__)

import argparse  # noqa: E402
import base64  # noqa: E402
import binascii  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402


class PeerError(Exception):
    pass




def read_message(key):
    """Reads the next non-empty stdin line and returns base64-decoded obj[key]."""
    while True:
        line = sys.stdin.readline()
        if line == "":
            raise PeerError(f"stdin closed while waiting for {{\"{key}\": ...}}")
        line = line.strip()
        if line:
            break
    try:
        obj = json.loads(line)
    except ValueError as e:
        raise PeerError(f"invalid JSON line on stdin: {e}")
    if not isinstance(obj, dict) or not isinstance(obj.get(key), str):
        raise PeerError(f"expected a JSON object with a string \"{key}\", got: {line[:200]}")
    return b64decode(obj[key], key)


def b64decode(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise PeerError(f"{what} is not valid base64: {e}")


def b64(data):
    return base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------
# ntlm-auth (python3-ntlm-auth 1.4)


class NtlmAuthClient:
    def __init__(self, args):
        from ntlm_auth.ntlm import NtlmContext
        from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct

        self.NtlmContext = NtlmContext
        self.args = args
        self.cbt = None
        if args.cbt is not None:
            cbt = GssChannelBindingsStruct()
            cbt[cbt.APPLICATION_DATA] = args.cbt
            self.cbt = cbt
        if not 0 <= args.lm_level <= 5:
            raise PeerError("--lm-level must be 0..5 for ntlm-auth")
        self.ctx = None

    def _new_context(self):
        a = self.args
        return self.NtlmContext(a.user, a.password,
                                domain=a.domain or None,
                                workstation=a.workstation or None,
                                cbt_data=self.cbt,
                                ntlm_compatibility=a.lm_level)

    def negotiate(self):
        self.ctx = self._new_context()
        return self.ctx.step()

    @staticmethod
    def _step2(ctx, challenge):
        if ctx.domain is None:
            # ntlm-auth 1.4 computes NTOWFv2 as user.upper() + domain and
            # raises TypeError for domain=None; None is only right for the
            # NEGOTIATE (no OEM_DOMAIN_SUPPLIED), so switch to "" here.
            ctx.domain = ""
        return ctx.step(challenge)

    def authenticate(self, challenge):
        token = self._step2(self.ctx, challenge)
        key = self.ctx.session_key
        if key is None:
            # Only set by NtlmContext when SIGN/SEAL was negotiated; the
            # AuthenticateMessage always has it.
            msg = getattr(self.ctx, "_authenticate_message", None)
            key = getattr(msg, "exported_session_key", None)
        return token, key

    def one_handshake(self, challenge):
        ctx = self._new_context()
        ctx.step()
        self._step2(ctx, challenge)


# --------------------------------------------------------------------------
# impacket (python3-impacket 0.10)


class ImpacketClient:
    def __init__(self, args):
        from impacket import ntlm

        self.ntlm = ntlm
        self.args = args
        if args.cbt is not None:
            raise PeerError("impacket 0.10 has no channel binding support (--cbt-hex)")
        if not 0 <= args.lm_level <= 5:
            raise PeerError("--lm-level must be 0..5")
        self.use_v2 = args.lm_level >= 3
        self.type1 = None

    def _type1(self):
        t1 = self.ntlm.getNTLMSSPType1(self.args.workstation or "", self.args.domain or "",
                                       use_ntlmv2=self.use_v2)
        if self.args.negotiate_version:
            # impacket's own field; getData() then sets NEGOTIATE_VERSION.
            t1["os_version"] = self.ntlm.VERSION()
        return t1

    def negotiate(self):
        self.type1 = self._type1()
        return self.type1.getData()

    def _type3(self, type1, challenge):
        a = self.args
        t3, key = self.ntlm.getNTLMSSPType3(type1, challenge, a.user, a.password,
                                            a.domain or "", use_ntlmv2=self.use_v2)
        if t3["flags"] & self.ntlm.NTLMSSP_NEGOTIATE_VERSION:
            # See the header comment: impacket 0.10 would shift the offsets
            # by 24 bytes without writing Version/MIC.
            t3["flags"] &= ~self.ntlm.NTLMSSP_NEGOTIATE_VERSION & 0xFFFFFFFF
        return t3.getData(), key

    def authenticate(self, challenge):
        return self._type3(self.type1, challenge)

    def one_handshake(self, challenge):
        t1 = self._type1()
        t1.getData()
        self._type3(t1, challenge)


IMPLS = {"ntlm-auth": NtlmAuthClient, "impacket": ImpacketClient}


def parse_args(argv):
    p = argparse.ArgumentParser(description="NTLM initiator peer (JSON lines on stdin/stdout)")
    p.add_argument("--impl", required=True, choices=sorted(IMPLS))
    p.add_argument("--user", required=True)
    p.add_argument("--domain", default="")
    p.add_argument("--password", required=True)
    p.add_argument("--workstation", default="")
    p.add_argument("--lm-level", type=int, default=3)
    p.add_argument("--cbt-hex", dest="cbt_hex")
    p.add_argument("--negotiate-version", action="store_true",
                   help="impacket: send the 8-byte Version field in NEGOTIATE (needed by gss-ntlmssp)")
    p.add_argument("--bench-challenge", help="base64 CHALLENGE: run the benchmark instead")
    p.add_argument("--bench-seconds", type=float, default=3.0)
    args = p.parse_args(argv)
    args.cbt = None
    if args.cbt_hex is not None:
        try:
            args.cbt = bytes.fromhex(args.cbt_hex)
        except ValueError as e:
            raise PeerError(f"--cbt-hex is not hex: {e}")
    if args.negotiate_version and args.impl != "impacket":
        raise PeerError("--negotiate-version only applies to --impl impacket")
    return args


def run(argv):
    args = parse_args(argv)
    client = IMPLS[args.impl](args)

    if args.bench_challenge is not None:
        challenge = b64decode(args.bench_challenge, "--bench-challenge")
        if args.bench_seconds <= 0:
            raise PeerError("--bench-seconds must be > 0")
        client.one_handshake(challenge)  # fail fast (and warm up) before timing
        count = 0
        start = time.perf_counter()
        deadline = start + args.bench_seconds
        now = start
        while now < deadline:
            client.one_handshake(challenge)
            count += 1
            now = time.perf_counter()
        emit({"count": count, "seconds": round(now - start, 6)})
        return

    emit({"negotiate": b64(client.negotiate())})
    challenge = read_message("challenge")
    token, key = client.authenticate(challenge)
    emit({"authenticate": b64(token), "session_key": key.hex() if key is not None else None})


def main():
    try:
        run(sys.argv[1:])
    except SystemExit as e:
        if e.code not in (0, None):  # argparse usage errors
            emit({"error": f"bad command line (exit {e.code}), see stderr"})
            sys.exit(1)
        raise
    except Exception as e:  # noqa: BLE001 - every failure becomes a JSON line
        emit({"error": f"{type(e).__name__}: {e}"})
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
