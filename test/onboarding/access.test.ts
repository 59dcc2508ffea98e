import { describe, expect, it } from 'vitest';
import { createRoleResolver, type Directory } from '../../src/onboarding/index.js';
import { FakeClock, FakeDirectory } from './fakes.js';

/** A directory whose groups have names, and that can be told to fail. */
class NamedGroups extends FakeDirectory {
  names = new Map<string, string>([['g-admins', 'Onboarding Admins'], ['g-it', 'IT Operations'], ['g-managers', 'Hiring Managers']]);
  members = new Map<string, string[]>();
  nameReads = 0;
  failNames = false;
  override async groupDisplayName(groupId: string): Promise<string | null> {
    this.nameReads += 1;
    if (this.failNames) throw new Error('directory unavailable');
    return this.names.get(groupId) ?? null;
  }
  override async checkMemberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
    return groupIds.filter((id) => (this.members.get(userId) ?? []).includes(id));
  }
}

function resolver(directory: Directory, groups = { adminGroupIds: ['g-admins', 'g-it'], requesterGroupIds: ['g-managers'] }, clock = new FakeClock()) {
  return createRoleResolver({ directory, groups, clock, cacheMs: 60_000 });
}

describe('roles and whom to ask', () => {
  it('when a person is in an admin group, a requester group or none, then the role says so; no groups configured means nobody', async () => {
    const directory = new NamedGroups();
    directory.members.set('ann', ['g-it']);
    directory.members.set('ben', ['g-managers']);
    const roles = resolver(directory);
    expect(await roles.roleOf('ann')).toBe('admin');
    expect(await roles.roleOf('ben')).toBe('requester');
    expect(await roles.roleOf('cat')).toBe('none');
    expect(await resolver(directory, { adminGroupIds: [], requesterGroupIds: [] }).roleOf('ann')).toBe('none');
  });

  it('when refusing someone, then the groups are named as Entra names them, several joined with "or", read once for a while', async () => {
    const directory = new NamedGroups();
    const clock = new FakeClock();
    const roles = resolver(directory, undefined, clock);
    expect(await roles.whomToAsk()).toEqual({ admins: '“Onboarding Admins” or “IT Operations”', requesters: '“Hiring Managers”' });
    const reads = directory.nameReads;
    await roles.whomToAsk();
    expect(directory.nameReads).toBe(reads);
    clock.advance(11 * 60_000);
    directory.names.set('g-managers', 'Hiring Managers (EMEA)');
    expect((await roles.whomToAsk()).requesters).toBe('“Hiring Managers (EMEA)”');
  });

  it('when the names cannot be read or the groups are gone, then plain words stand in and the refusal still goes out', async () => {
    const directory = new NamedGroups();
    directory.failNames = true;
    expect(await resolver(directory).whomToAsk()).toEqual({ admins: 'the onboarding admins group', requesters: 'the hiring managers group' });
    const gone = new NamedGroups();
    gone.names.clear();
    expect(await resolver(gone).whomToAsk()).toEqual({ admins: 'the onboarding admins group', requesters: 'the hiring managers group' });
  });
});
