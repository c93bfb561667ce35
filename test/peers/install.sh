#!/usr/bin/env bash
# Installs the Debian packages the third-party NTLM peers in this folder need:
#   python3-ntlm-auth  python3-impacket  gss-ntlmssp  python3-gssapi  python3-requests-ntlm  curl
#   chromium (Playwright drives it), apache2 + libapache2-mod-auth-gssapi (interop and bench peer),
#   squid (an NTLM-authenticating proxy for the client tests)
#   krb5-user (MIT ktutil/klist: the Kerberos string-to-key interop test, keytab/ccache listings)
#   samba + python3-samba (samba-dc.sh: a loopback AD DC as KDC for the Kerberos peers)
# and the openssl CLI (real certificates for the RFC 5929 tests).
# Idempotent: when all of them are already installed it only checks and exits
# (no apt call, well under a second). Otherwise it runs
#   apt-get update && apt-get install -y <missing>
# as root, or through sudo (non-interactive, sudo -n) when not root. Works with
# no stdin (CI). Waits up to 10 minutes for a dpkg lock held by another apt.
# Exit status: 0 = everything present afterwards, 1 = could not install.
set -euo pipefail

PACKAGES=(python3-ntlm-auth python3-impacket gss-ntlmssp python3-gssapi openssl python3-requests-ntlm curl chromium apache2 libapache2-mod-auth-gssapi squid krb5-user samba python3-samba)
PY=/usr/bin/python3

log() { printf 'peers/install.sh: %s\n' "$*"; }

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
if ! command -v dpkg-query >/dev/null 2>&1; then
  log "dpkg-query not found: not a Debian/Ubuntu system, cannot install ${PACKAGES[*]}" >&2
  exit 1
fi
for p in "${PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  log "already installed: ${PACKAGES[*]} (nothing to do)"
else
  log "missing: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
    log "not root: using sudo -n"
  else
    log "not root and no sudo: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o DPkg::Lock::Timeout=600)
  log "running: apt-get update"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update </dev/null
  log "running: apt-get install -y ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y \
    "${missing[@]}" </dev/null
  for p in "${missing[@]}"; do
    if ! is_installed "$p"; then
      log "still not installed after apt-get: $p" >&2
      exit 1
    fi
  done
  log "installed: ${missing[*]}"
fi

# Sanity checks (cheap): the Debian interpreter sees the modules, and the
# gss-ntlmssp plugin is registered with the MIT GSSAPI mechglue.
if ! "$PY" -c 'import ntlm_auth.ntlm, impacket.ntlm, gssapi' 2>/dev/null; then
  log "$PY cannot import ntlm_auth / impacket / gssapi" >&2
  exit 1
fi
if ! grep -qs '1\.3\.6\.1\.4\.1\.311\.2\.2\.10' /etc/gss/mech /etc/gss/mech.d/* 2>/dev/null; then
  log "gss-ntlmssp is not registered in /etc/gss/mech.d (NTLM OID 1.3.6.1.4.1.311.2.2.10 missing)" >&2
  exit 1
fi
versions=$(dpkg-query -W -f='${Package}=${Version} ' "${PACKAGES[@]}")
log "ok: ${versions% }"
