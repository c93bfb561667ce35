#!/usr/bin/python3
"""Relays one NTLM handshake between ntlm_client_peer.py and gss_acceptor_peer.py.

Usage:
  pair.py [--timeout S] CLIENT-ARGS... -- ACCEPTOR-ARGS...

Runs both peers (under /usr/bin/python3), passes the JSON lines between them
(NEGOTIATE -> acceptor, CHALLENGE -> client, AUTHENTICATE -> acceptor) and
prints one JSON summary line on stdout:

  {"ok": bool, "stage": ..., "error": ..., "initiator": ...,
   "client_session_key": ..., "acceptor_session_key": ...,
   "session_keys_match": bool|null,
   "negotiate": {...}, "challenge": {...}, "authenticate": {...}}

where the message objects describe the wire layout (length, flags, whether
the Version field / MIC are present, TargetInfo AV pair ids, ...). The
acceptor is always started with --report-session-key. Exit status 0 when the
acceptor reported ok, 1 otherwise. Used by selfcheck.sh; handy for looking at
what a library actually sends.
"""
import base64
import json
import os
import queue
import struct
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

FLAG_NAMES = [
    (0x00000001, "UNICODE"), (0x00000002, "OEM"), (0x00000004, "REQUEST_TARGET"),
    (0x00000010, "SIGN"), (0x00000020, "SEAL"), (0x00000040, "DATAGRAM"),
    (0x00000080, "LM_KEY"), (0x00000200, "NTLM"), (0x00000800, "ANONYMOUS"),
    (0x00001000, "OEM_DOMAIN_SUPPLIED"), (0x00002000, "OEM_WORKSTATION_SUPPLIED"),
    (0x00008000, "ALWAYS_SIGN"), (0x00010000, "TARGET_TYPE_DOMAIN"),
    (0x00020000, "TARGET_TYPE_SERVER"), (0x00080000, "EXTENDED_SESSIONSECURITY"),
    (0x00100000, "IDENTIFY"), (0x00400000, "REQUEST_NON_NT_SESSION_KEY"),
    (0x00800000, "TARGET_INFO"), (0x02000000, "VERSION"), (0x20000000, "128"),
    (0x40000000, "KEY_EXCH"), (0x80000000, "56"),
]
AV_NAMES = {0: "EOL", 1: "NbComputerName", 2: "NbDomainName", 3: "DnsComputerName",
            4: "DnsDomainName", 5: "DnsTreeName", 6: "Flags", 7: "Timestamp",
            8: "SingleHost", 9: "TargetName", 10: "ChannelBindings"}
NEGOTIATE_VERSION = 0x02000000


def flag_list(flags):
    return [name for bit, name in FLAG_NAMES if flags & bit]


def av_pairs(data):
    out = []
    i = 0
    while i + 4 <= len(data):
        av_id, av_len = struct.unpack_from("<HH", data, i)
        value = data[i + 4:i + 4 + av_len]
        item = {"id": AV_NAMES.get(av_id, av_id)}
        if av_id in (1, 2, 3, 4, 5, 9):
            item["value"] = value.decode("utf-16-le", "replace")
        elif av_id == 6:
            item["value"] = struct.unpack("<I", value)[0] if len(value) == 4 else value.hex()
        elif av_id != 0:
            item["value"] = value.hex()
        out.append(item)
        i += 4 + av_len
        if av_id == 0:
            break
    return out


def field(msg, off):
    ln, _mx, o = struct.unpack_from("<HHI", msg, off)
    return msg[o:o + ln], o


def describe(msg):
    d = {"length": len(msg), "hex": msg.hex()}
    if len(msg) < 12 or msg[:8] != b"NTLMSSP\0":
        d["malformed"] = True
        return d
    mtype = struct.unpack_from("<I", msg, 8)[0]
    d["type"] = mtype
    try:
        if mtype == 1:
            flags = struct.unpack_from("<I", msg, 12)[0]
            d.update(flags=f"0x{flags:08x}", flag_names=flag_list(flags),
                     version_field=len(msg) >= 40,
                     version=msg[32:40].hex() if len(msg) >= 40 else None)
        elif mtype == 2:
            flags = struct.unpack_from("<I", msg, 20)[0]
            target, _ = field(msg, 12)
            d.update(flags=f"0x{flags:08x}", flag_names=flag_list(flags),
                     server_challenge=msg[24:32].hex(),
                     target_name=target.decode("utf-16-le" if flags & 1 else "latin-1", "replace"))
            starts = [struct.unpack_from("<I", msg, 16)[0]] if target else []
            if len(msg) >= 48:
                ti, ti_off = field(msg, 40)
                d["target_info"] = av_pairs(ti) if ti else None
                if ti:
                    starts.append(ti_off)
            payload_start = min(starts or [len(msg)])
            d["version"] = msg[48:56].hex() if payload_start >= 56 and len(msg) >= 56 else None
        elif mtype == 3:
            flags = struct.unpack_from("<I", msg, 60)[0]
            lm, _ = field(msg, 12)
            nt, _ = field(msg, 20)
            dom, _ = field(msg, 28)
            usr, _ = field(msg, 36)
            ws, _ = field(msg, 44)
            ek, _ = field(msg, 52)
            offsets = [struct.unpack_from("<I", msg, o)[0] for o in (16, 24, 32, 40, 48, 56)]
            lens = [struct.unpack_from("<H", msg, o)[0] for o in (12, 20, 28, 36, 44, 52)]
            payload_start = min([o for o, n in zip(offsets, lens) if n] or [len(msg)])
            enc = "utf-16-le" if flags & 1 else "latin-1"
            d.update(flags=f"0x{flags:08x}", flag_names=flag_list(flags),
                     header_length=payload_start,
                     version_field=payload_start >= 72,
                     mic_field=payload_start >= 88,
                     mic=msg[72:88].hex() if payload_start >= 88 else None,
                     domain=dom.decode(enc, "replace"), user=usr.decode(enc, "replace"),
                     workstation=ws.decode(enc, "replace"),
                     lm_response=lm.hex(), nt_response_length=len(nt),
                     encrypted_session_key=ek.hex() or None)
            if len(nt) > 24:  # NTLMv2: NTProofStr(16) + blob; AV pairs at blob+28
                d["ntlmv2_target_info"] = av_pairs(nt[16 + 28:])
    except (struct.error, IndexError) as e:
        d["parse_error"] = str(e)
    return d


class Peer:
    def __init__(self, name, argv):
        self.name = name
        self.proc = subprocess.Popen([PY] + argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _pump(self, f, q):
        for line in f:
            q.put(line)
        q.put(None)

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip("\n"))

    def read(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"{self.name}: no output within {timeout}s")
        if line is None:
            raise RuntimeError(f"{self.name}: exited without output; stderr: {' | '.join(self.stderr[-5:])}")
        return json.loads(line)

    def write(self, obj):
        try:
            self.proc.stdin.write(json.dumps(obj) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass

    def finish(self, timeout):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def main(argv):
    timeout = 20.0
    if argv[:1] == ["--timeout"]:
        timeout = float(argv[1])
        argv = argv[2:]
    if "--" not in argv:
        sys.exit(__doc__)
    cut = argv.index("--")
    client_args, acceptor_args = argv[:cut], argv[cut + 1:]

    res = {"ok": False, "stage": None, "error": None, "initiator": None,
           "client_session_key": None, "acceptor_session_key": None, "session_keys_match": None}
    client = Peer("client", [os.path.join(HERE, "ntlm_client_peer.py")] + client_args)
    acceptor = Peer("acceptor", [os.path.join(HERE, "gss_acceptor_peer.py"), "--report-session-key"]
                    + acceptor_args)
    try:
        m = client.read(timeout)
        if "negotiate" not in m:
            raise RuntimeError(f"client: {m}")
        res["negotiate"] = describe(base64.b64decode(m["negotiate"]))
        acceptor.write(m)

        m = acceptor.read(timeout)
        if "challenge" not in m:
            res.update(stage=m.get("stage", "negotiate"), error=m.get("error", str(m)))
            return res
        res["challenge"] = describe(base64.b64decode(m["challenge"]))
        client.write(m)

        m = client.read(timeout)
        if "authenticate" not in m:
            raise RuntimeError(f"client: {m}")
        res["client_session_key"] = m.get("session_key")
        res["authenticate"] = describe(base64.b64decode(m["authenticate"]))
        acceptor.write({"authenticate": m["authenticate"]})

        m = acceptor.read(timeout)
        if m.get("ok") is True:
            res.update(ok=True, stage="done", initiator=m.get("initiator"),
                       acceptor_session_key=m.get("session_key"))
            if res["client_session_key"] and res["acceptor_session_key"]:
                res["session_keys_match"] = res["client_session_key"] == res["acceptor_session_key"]
        else:
            res.update(stage=m.get("stage", "authenticate"), error=m.get("error", str(m)))
        return res
    except (RuntimeError, ValueError, KeyError) as e:
        res.update(stage=res["stage"] or "relay", error=str(e))
        return res
    finally:
        res["client_exit"] = client.finish(timeout)
        res["acceptor_exit"] = acceptor.finish(timeout)


if __name__ == "__main__":
    result = main(sys.argv[1:])
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)
