import { describe, expect, it } from 'vitest';
import { resolveManagerName, type DirectoryUser } from '../../src/onboarding/index.js';

/** Only the one lookup the resolver uses, with the names it was asked for. */
function directoryWith(users: Array<{ upn: string; name: string }>) {
  const asked: string[] = [];
  return {
    asked,
    async findUsersByDisplayName(displayName: string, limit: number): Promise<DirectoryUser[]> {
      asked.push(displayName);
      return users.filter((u) => u.name.toLowerCase() === displayName.toLowerCase()).slice(0, limit)
        .map((u, i) => ({ id: `id-${i}`, userPrincipalName: u.upn, displayName: u.name, marker: null }));
    },
  };
}

const form = { givenName: 'Nora', surname: 'Fuzzwell' };

describe('a manager typed as a name', () => {
  it('when exactly one person has the name, then the field becomes their user name', async () => {
    const directory = directoryWith([{ upn: 'megan.bowen@contoso.com', name: 'Megan Bowen' }]);
    const result = await resolveManagerName(directory, { ...form, manager: '  Megan   Bowen ' });
    expect(result).toEqual({ form: { ...form, manager: 'megan.bowen@contoso.com' }, found: expect.objectContaining({ userPrincipalName: 'megan.bowen@contoso.com' }) });
    expect(directory.asked).toEqual(['Megan Bowen']);
  });

  it('when nobody has the name, then the field says so and what to type instead', async () => {
    const result = await resolveManagerName(directoryWith([]), { ...form, manager: 'Nobody Here' });
    expect(result.form.manager).toBe('Nobody Here');
    expect(result.problem).toEqual({
      field: 'manager', code: 'MANAGER_NOT_FOUND',
      message: "No one named Nobody Here is in the directory. Type the manager's user name, like adele.vance@contoso.com.",
    });
    // Quotes belong in names (O'Brien): the text is asked for as it is — the Graph adapter
    // escapes it (tested against the local tenant) — and matches nobody.
    const injection = await resolveManagerName(directoryWith([{ upn: 'megan.bowen@contoso.com', name: 'Megan Bowen' }]), { ...form, manager: "x' or displayName ne '" });
    expect(injection.problem?.code).toBe('MANAGER_NOT_FOUND');
  });

  it('when several people have the name, then up to three are shown and the person picks by user name', async () => {
    const many = ['a', 'b', 'c', 'd', 'e'].map((x) => ({ upn: `alex.${x}@contoso.com`, name: 'Alex Wilber' }));
    const result = await resolveManagerName(directoryWith(many), { ...form, manager: 'Alex Wilber' });
    expect(result.form.manager).toBe('Alex Wilber');
    expect(result.problem?.message).toBe('Several people are named Alex Wilber (alex.a@contoso.com, alex.b@contoso.com, alex.c@contoso.com, …). Type the user name of the right one.');
    const two = await resolveManagerName(directoryWith(many.slice(0, 2)), { ...form, manager: 'Alex Wilber' });
    expect(two.problem?.message).toBe('Several people are named Alex Wilber (alex.a@contoso.com, alex.b@contoso.com). Type the user name of the right one.');
  });

  it.each([
    ['a user name', 'megan.bowen@contoso.com'],
    ['nothing', undefined],
    ['blanks', '   '],
    ['markup', '<b>Megan</b>'],
    ['digits', '12345'],
    ['a name longer than a user name may be', 'M'.repeat(200)],
  ])('when the field holds %s, then the directory is not asked and validation decides', async (_case, manager) => {
    const directory = directoryWith([{ upn: 'megan.bowen@contoso.com', name: 'Megan Bowen' }]);
    const input = manager === undefined ? form : { ...form, manager };
    expect(await resolveManagerName(directory, input)).toEqual({ form: input });
    expect(directory.asked).toEqual([]);
  });
});
