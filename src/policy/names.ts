/** Small, pure helpers on the names policy compares: accounts, hosts in SPNs, NetBIOS forms. */

/** NetBIOS and DNS names compare without regard to case. */
export function sameName(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toUpperCase() === b.toUpperCase();
}

/**
 * `DOMAIN\user` as Windows writes an account; `user` alone when there is no domain; `anonymous`
 * for the null session, which names neither (Windows's events say ANONYMOUS LOGON).
 */
export function accountName(user: string, domain: string, anonymous = 'ANONYMOUS LOGON'): string {
  if (user === '' && domain === '') return anonymous;
  return domain === '' ? user : `${domain}\\${user}`;
}

/**
 * The host part of a target: `HTTP/web1.corp.example.test:8080` → `web1.corp.example.test`
 * (an SPN is service/host[:port][/name], RFC 4120 / MS-KILE), `[::1]` → `::1`; a plain host
 * comes back as given. Undefined for an empty target.
 */
export function targetHost(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  let t = target.trim();
  const slash = t.indexOf('/');
  if (slash >= 0) t = t.slice(slash + 1).split('/')[0] ?? '';
  if (t.startsWith('[')) {
    const end = t.indexOf(']');
    t = end > 0 ? t.slice(1, end) : t.slice(1);
  } else if ((t.match(/:/g) ?? []).length === 1) {
    t = t.slice(0, t.indexOf(':'));
  }
  return t === '' ? undefined : t;
}

/** The NetBIOS form of a host name: the first DNS label, upper case (`web1.corp.example.test` → `WEB1`). */
export function netbiosFromHost(host: string): string {
  return (host.split('.')[0] ?? host).toUpperCase();
}
