/**
 * Who may do what. Roles come from Entra groups (checkMemberGroups, transitive), are
 * cached briefly, and fail closed: no groups configured means nobody may create accounts.
 */
import type { Clock, Directory } from '../kernel/ports.js';

export type Role = 'admin' | 'requester' | 'none';

export interface RoleGroups {
  readonly adminGroupIds: readonly string[];
  readonly requesterGroupIds: readonly string[];
}

export interface RoleResolver {
  /** The person's role now (cached for a short while unless `fresh`). */
  roleOf(userId: string, options?: { fresh?: boolean }): Promise<Role>;
  /**
   * Whom to ask, in words for a refusal: the admin and requester groups by their Entra
   * names ("Onboarding Admins"), or plain words when the names can't be read.
   */
  whomToAsk(): Promise<{ readonly admins: string; readonly requesters: string }>;
}

const NAMES_CACHE_MS = 10 * 60_000;
const FALLBACK_NAMES = { admins: 'the onboarding admins group', requesters: 'the hiring managers group' } as const;

export function createRoleResolver(input: { directory: Directory; groups: RoleGroups; clock: Clock; cacheMs: number }): RoleResolver {
  const cache = new Map<string, { role: Role; until: number }>();
  const allGroups = [...new Set([...input.groups.adminGroupIds, ...input.groups.requesterGroupIds])];
  let names: { value: { admins: string; requesters: string }; until: number } | undefined;
  const describe = async (ids: readonly string[], fallback: string): Promise<string> => {
    const found = (await Promise.all(ids.map((id) => input.directory.groupDisplayName(id)))).filter((n): n is string => n !== null);
    return found.length === 0 ? fallback : found.map((n) => `“${n}”`).join(' or ');
  };
  return {
    async whomToAsk() {
      const now = input.clock.now().getTime();
      if (names && names.until > now) return names.value;
      try {
        const value = {
          admins: await describe(input.groups.adminGroupIds, FALLBACK_NAMES.admins),
          requesters: await describe(input.groups.requesterGroupIds, FALLBACK_NAMES.requesters),
        };
        names = { value, until: now + NAMES_CACHE_MS };
        return value;
      } catch {
        // A refusal must not fail because a name could not be read: say it plainly, ask again next time.
        return FALLBACK_NAMES;
      }
    },
    async roleOf(userId, options = {}) {
      if (!userId || allGroups.length === 0) return 'none';
      const now = input.clock.now().getTime();
      const cached = cache.get(userId);
      if (!options.fresh && cached && cached.until > now) return cached.role;
      const memberOf = new Set((await input.directory.checkMemberGroups(userId, allGroups)).map((id) => id.toLowerCase()));
      const role: Role = input.groups.adminGroupIds.some((id) => memberOf.has(id.toLowerCase()))
        ? 'admin'
        : input.groups.requesterGroupIds.some((id) => memberOf.has(id.toLowerCase()))
          ? 'requester'
          : 'none';
      cache.set(userId, { role, until: now + input.cacheMs });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
      return role;
    },
  };
}

export const mayRequest = (role: Role) => role === 'admin' || role === 'requester';
export const mayAdminister = (role: Role) => role === 'admin';
