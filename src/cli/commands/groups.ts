/**
 * `ntlmgate groups …`: groups of the account store, whose names LocalAuthority returns with
 * each logon (DOMAIN\group).
 *   add | remove | list | members | add-member | remove-member
 * A group belongs to a domain (or a server, for local groups) and may hold accounts of any
 * domain, as a server's local group holds domain accounts. Store handling is shared with
 * `users` (users.ts).
 */
import type { Command } from 'commander';
import type { Group } from '../../authority/local/accountStore.js';
import { qualified, type AccountKey } from '../../authority/names.js';
import { table } from '../table.js';
import { accountArg, defaultIo, formatTime, STORE_OPTION, withAccountStore, type UsersIo } from './users.js';

interface StoreOpt {
  readonly store: string;
}

export function formatGroupList(groups: readonly Group[]): string {
  if (groups.length === 0) return '(no groups)';
  return table(
    ['group', 'SID', 'members', 'created'],
    groups.map((g) => [qualified(g), g.sid, g.memberCount, formatTime(g.createdAt)]),
  );
}

export function groupListJson(groups: readonly Group[]): object[] {
  return groups.map((g) => ({ domain: g.domain, name: g.name, sid: g.sid, members: g.memberCount, createdAt: new Date(g.createdAt).toISOString() }));
}

function names(keys: readonly AccountKey[]): string {
  return keys.map(qualified).join(', ');
}

export function registerGroups(program: Command, io: UsersIo = defaultIo()): void {
  const groups = program
    .command('groups')
    .summary('manage the groups of the account store')
    .description('Groups of the account store (DOMAIN\\group, or SERVER\\group for a server\'s local group); logons return the groups an account is in.');
  const group = (text: string): AccountKey => accountArg(text, undefined, 'group');

  groups
    .command('add')
    .summary('create a group')
    .argument('<group>', 'DOMAIN\\name')
    .option(...STORE_OPTION)
    .action(async (text: string, opts: StoreOpt) => {
      const key = group(text);
      await withAccountStore(io, opts.store, async (store) => {
        const g = await store.addGroup(key, io.now());
        io.write(`added group ${qualified(key)} (${g.sid})`);
      });
    });

  groups
    .command('remove')
    .summary('delete a group (its memberships go with it; the accounts stay)')
    .argument('<group>', 'DOMAIN\\name')
    .option(...STORE_OPTION)
    .action(async (text: string, opts: StoreOpt) => {
      const key = group(text);
      await withAccountStore(io, opts.store, async (store) => {
        await store.removeGroup(key);
        io.write(`removed group ${qualified(key)}`);
      });
    });

  groups
    .command('list')
    .summary('list groups')
    .option(...STORE_OPTION)
    .option('--domain <name>', 'only this domain (or server)')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: StoreOpt & { domain?: string; json?: boolean }) => {
      await withAccountStore(io, opts.store, async (store) => {
        const list = await store.listGroups(opts.domain !== undefined ? { domain: opts.domain } : {});
        io.write(opts.json ? JSON.stringify(groupListJson(list), null, 2) : formatGroupList(list));
      });
    });

  groups
    .command('members')
    .summary('list the members of a group')
    .argument('<group>', 'DOMAIN\\name')
    .option(...STORE_OPTION)
    .option('--json', 'print JSON instead of one account per line')
    .action(async (text: string, opts: StoreOpt & { json?: boolean }) => {
      const key = group(text);
      await withAccountStore(io, opts.store, async (store) => {
        const members = await store.groupMembers(key);
        if (opts.json) io.write(JSON.stringify(members.map((m) => ({ domain: m.domain, name: m.name })), null, 2));
        else io.write(members.length === 0 ? `(${qualified(key)} has no members)` : members.map(qualified).join('\n'));
      });
    });

  groups
    .command('add-member')
    .summary('add accounts to a group')
    .argument('<group>', 'DOMAIN\\name')
    .argument('<accounts...>', 'DOMAIN\\name, or a name in the group\'s domain')
    .option(...STORE_OPTION)
    .action(async (text: string, accounts: string[], opts: StoreOpt) => {
      const key = group(text);
      const members = accounts.map((a) => accountArg(a, key.domain, 'account', false));
      await withAccountStore(io, opts.store, async (store) => {
        const added = await store.addMembers(key, members);
        const already = members.length - added.length;
        io.write(`${added.length > 0 ? `added ${names(added)} to ${qualified(key)}` : `nothing added to ${qualified(key)}`}${already > 0 ? ` (${already} already a member)` : ''}`);
      });
    });

  groups
    .command('remove-member')
    .summary('remove accounts from a group')
    .argument('<group>', 'DOMAIN\\name')
    .argument('<accounts...>', 'DOMAIN\\name, or a name in the group\'s domain')
    .option(...STORE_OPTION)
    .action(async (text: string, accounts: string[], opts: StoreOpt) => {
      const key = group(text);
      const members = accounts.map((a) => accountArg(a, key.domain, 'account', false));
      await withAccountStore(io, opts.store, async (store) => {
        const removed = await store.removeMembers(key, members);
        const absent = members.length - removed.length;
        io.write(`${removed.length > 0 ? `removed ${names(removed)} from ${qualified(key)}` : `nothing removed from ${qualified(key)}`}${absent > 0 ? ` (${absent} not a member)` : ''}`);
      });
    });
}
