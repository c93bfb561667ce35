/**
 * Authorization after authentication (IIS's <authorization> allow rules): an authenticated
 * user passes when named in `users` (`DOMAIN\user`) or a member of a group in `groups`
 * (group names, or SIDs `S-1-…`). Names compare without regard to case, as Windows does.
 * A failed check is a 403; why goes to the log only.
 */
import type { IwaIdentity } from './identity.js';

export interface AllowList {
  /** `DOMAIN\user`; a local account is `COMPUTER\user`. */
  readonly users?: readonly string[];
  /** Group names as the authority reports them, or SIDs. */
  readonly groups?: readonly string[];
}

export interface ParsedAllowList {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
}

const fold = (s: string): string => s.toUpperCase();

/** Validates the entries; a bare `user` is refused because it would match that name in every domain. */
export function parseAllowList(allow: AllowList): { list: ParsedAllowList; problems: string[] } {
  const problems: string[] = [];
  const users = new Set<string>();
  for (const u of allow.users ?? []) {
    const i = typeof u === 'string' ? u.indexOf('\\') : -1;
    if (typeof u !== 'string' || i <= 0 || i === u.length - 1 || u.indexOf('\\', i + 1) >= 0) {
      problems.push(`allow.users: ${JSON.stringify(u)} is not DOMAIN\\user`);
    } else {
      users.add(fold(u));
    }
  }
  const groups = new Set<string>();
  for (const g of allow.groups ?? []) {
    if (typeof g !== 'string' || g.trim() === '') problems.push(`allow.groups: ${JSON.stringify(g)} is not a group name`);
    else groups.add(fold(g.trim()));
  }
  if (users.size === 0 && groups.size === 0 && problems.length === 0) {
    problems.push('allow: give at least one user or group (leave allow out to admit every authenticated user)');
  }
  return { list: { users, groups }, problems };
}

export type AuthorizationResult = { readonly allowed: true; readonly by: string } | { readonly allowed: false; readonly why: string };

// One object for the common case: every request of an authenticated connection is authorized again.
const NO_ALLOW_LIST: AuthorizationResult = Object.freeze({ allowed: true, by: 'no allow-list' });

export function authorize(list: ParsedAllowList | undefined, id: IwaIdentity): AuthorizationResult {
  if (!list) return NO_ALLOW_LIST;
  if (list.users.has(fold(id.name))) return { allowed: true, by: `user ${id.name}` };
  for (const g of id.groups) if (list.groups.has(fold(g))) return { allowed: true, by: `group ${g}` };
  if (id.sid !== undefined && list.groups.has(fold(id.sid))) return { allowed: true, by: `SID ${id.sid}` };
  return { allowed: false, why: `${id.name} is not in the allow-list (by user or group)` };
}
