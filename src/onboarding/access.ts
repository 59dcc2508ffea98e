/**
 * Who may do what. Roles come from Entra groups (checkMemberGroups, transitive), are
 * cached briefly, and fail closed: no groups configured means nobody may create accounts.
 */
import type { Clock, Directory } from './ports.js';

export type Role = 'admin' | 'requester' | 'none';

export interface RoleGroups {
  readonly adminGroupIds: readonly string[];
  readonly requesterGroupIds: readonly string[];
}

export interface RoleResolver {
  /** The person's role now (cached for a short while unless `fresh`). */
  roleOf(userId: string, options?: { fresh?: boolean }): Promise<Role>;
}

export function createRoleResolver(input: { directory: Directory; groups: RoleGroups; clock: Clock; cacheMs: number }): RoleResolver {
  const cache = new Map<string, { role: Role; until: number }>();
  const allGroups = [...new Set([...input.groups.adminGroupIds, ...input.groups.requesterGroupIds])];
  return {
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
