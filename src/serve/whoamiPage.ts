/**
 * The built-in page `serve` shows to an authenticated user: who the server thinks you are and
 * how you authenticated (scheme, package; for NTLM its version, MIC, channel binding), as HTML for a
 * browser or JSON for tools. Every value is escaped: names come from the client's AUTHENTICATE.
 */
import type { IwaIdentity } from '../http/server/identity.js';

export interface WhoamiView extends IwaIdentity {
  readonly requestId: string;
  readonly tls: boolean;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** What only an NTLM logon has: its version, MIC and channel bindings. */
function ntlmRows(v: WhoamiView): [string, string][] {
  const n = v.ntlm;
  if (!n) return [];
  return [
    ['NTLM version', n.version],
    ['MIC', yesNo(n.micPresent)],
    ['Channel bindings', v.tls ? `${n.channelBindings}${n.channelBindingsVerified ? ' (verified against our certificate)' : ''}` : 'n/a (plain HTTP)'],
  ];
}

/** The rows of the page, in reading order. */
function rows(v: WhoamiView): [string, string][] {
  return [
    ['User', v.name],
    ['SID', v.sid ?? '—'],
    ['Groups', v.groups.length > 0 ? v.groups.join(', ') : '—'],
    ['Workstation (as the client named it)', v.workstation || '—'],
    ['HTTP scheme', v.scheme],
    ['Authentication package', v.authPackage],
    ...ntlmRows(v),
    ['SPNEGO mechListMIC', yesNo(v.mechListMicVerified)],
    ['Authenticated at', v.authenticatedAt],
    ['Request id', v.requestId],
  ];
}

export function whoamiHtml(v: WhoamiView): string {
  const trs = rows(v)
    .map(([k, val]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(val)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ntlmgate: ${escapeHtml(v.name)}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#222}th{text-align:left;padding:.25rem 1rem .25rem 0;color:#555;font-weight:500}td{font-family:ui-monospace,monospace}</style>
</head><body>
<h1>Hello, <span id="user">${escapeHtml(v.name)}</span></h1>
<p>You are authenticated to ntlmgate with Integrated Windows Authentication.</p>
<table>
${trs}
</table>
<p><a href="/whoami">JSON</a></p>
</body></html>
`;
}

export function whoamiJson(v: WhoamiView): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}
