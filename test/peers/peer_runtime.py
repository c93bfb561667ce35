"""Shared start-up for the peer scripts: run under Debian's python3 (a pyenv python
earlier on PATH lacks the apt modules) with OpenSSL's legacy provider, which
hashlib needs for MD4; and write protocol lines to stdout."""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEBIAN_PYTHON = "/usr/bin/python3"
LEGACY_CNF = os.path.join(HERE, "openssl-legacy.cnf")


def _md4_available():
    try:
        hashlib.new("md4", b"")
        return True
    except ValueError:
        return False


def ensure_runtime(script):
    """Re-exec `script` under Debian's python3 and/or with the legacy OpenSSL config."""
    if os.environ.get("NTLMGATE_PEER_REEXEC") == "1":
        return
    wrong_python = (os.path.exists(DEBIAN_PYTHON) and
                    os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON))
    if not wrong_python and _md4_available():
        return
    env = dict(os.environ)
    env["NTLMGATE_PEER_REEXEC"] = "1"
    # Set even when only the interpreter was wrong: harmless when MD4 is already there.
    env["OPENSSL_CONF"] = LEGACY_CNF
    exe = DEBIAN_PYTHON if os.path.exists(DEBIAN_PYTHON) else sys.executable
    os.execve(exe, [exe, os.path.abspath(script)] + sys.argv[1:], env)


def emit(obj):
    """One JSON object per line on stdout, flushed (the Node side reads line by line)."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
