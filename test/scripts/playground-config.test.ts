/**
 * The Agents Playground's mock tenant, written by `npm start` from the local tenant's seed:
 * the Playground's config schema takes exactly five users besides the signed-in one and
 * exits with code 1 (printing no reason) otherwise, so the config is checked here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_OTHER_USERS, playgroundConfig } from '../../scripts/playground-config.js';

const seed = JSON.parse(readFileSync(new URL('../../src/local-tenant/seed.json', import.meta.url), 'utf8')) as Parameters<typeof playgroundConfig>[0];
const people = seed.users.filter((user) => 'givenName' in user && 'surname' in user);
const options = { botId: 'b1', currentUserUpn: 'megan.bowen@contoso.com' };

describe('the Agents Playground config from the seed', () => {
  it('when the schema is read as the Playground ships it, then it still takes exactly five other users', () => {
    const shipped = readFileSync(new URL('../../node_modules/@microsoft/m365agentsplayground/dist/index.js', import.meta.url), 'utf8');
    expect(shipped).toContain(`"description":"Users in the tenant. By default, these users are all in the group chat and the team","items":{"$ref":"#/$defs/User"},"minItems":${PLAYGROUND_OTHER_USERS},"maxItems":${PLAYGROUND_OTHER_USERS}}`);
  });

  it.each(people.map((user) => user.userPrincipalName))('when %s is signed in, then the others are five people and neither they nor the service mailbox', (upn) => {
    const config = playgroundConfig(seed, { ...options, currentUserUpn: upn });
    expect(config.currentUser.userPrincipleName).toBe(upn);
    expect(config.users).toHaveLength(PLAYGROUND_OTHER_USERS);
    const others = config.users.map((user) => user.userPrincipleName);
    expect(others).not.toContain(upn);
    expect(others).not.toContain('onboarding@contoso.com');
    expect(new Set(config.users.map((user) => user.id)).size).toBe(PLAYGROUND_OTHER_USERS);
  });

  it('when the seed has fewer than five other people, then npm start is told so in one sentence', () => {
    const small = { ...seed, users: people.slice(0, PLAYGROUND_OTHER_USERS) };
    expect(() => playgroundConfig(small, options)).toThrow(`The Agents Playground needs 5 people besides megan.bowen@contoso.com; the local tenant's seed has ${PLAYGROUND_OTHER_USERS - 1}.`);
  });
});
