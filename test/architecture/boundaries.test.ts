/**
 * The dependency rules are enforced by ESLint (eslint.config.js); these tests lint small
 * snippets as if they were files in each folder, so a rule that stops working is noticed.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the bot edge (src/bot)', () => {
  it.each([
    ['an adapter (storage)', "import { createBlobRequestStore } from '../storage/blob-request-store.js';\nexport const x = createBlobRequestStore;"],
    ['an adapter (delivery)', "import { ConversationAddresses } from '../delivery/conversation-addresses.js';\nexport const x = ConversationAddresses;"],
    ['an adapter (directory)', "import { createGraphDirectory } from '../directory/index.js';\nexport const x = createGraphDirectory;"],
    ['the composition root', "import { startApp } from '../app.js';\nexport const x = startApp;"],
    ['the directory port', "import type { Directory } from '../onboarding/index.js';\nexport type X = Directory;"],
    ['the clock', "import { systemClock } from '../onboarding/index.js';\nexport const x = systemClock;"],
  ])('when it imports %s, then lint fails', async (_what, code) => {
    expect(await ruleIdsFor('src/bot/example.ts', code)).toContain('no-restricted-imports');
  });

  it.each([
    ['the store', 'export const read = (deps: { store: { get(id: string): unknown } }) => deps.store.get("x");'],
    ['the directory', 'export const read = (deps: { directory: { listDomains(): unknown } }) => deps.directory.listDomains();'],
    ['the clock', 'export const read = (deps: { clock: { now(): Date } }) => deps.clock.now();'],
  ])('when it reaches %s through a dependency, then lint fails', async (_what, code) => {
    expect(await ruleIdsFor('src/bot/example.ts', code)).toContain('no-restricted-syntax');
  });

  it('when it calls the request desk, then lint passes', async () => {
    const code = "import type { RequestDesk } from '../onboarding/index.js';\nexport const today = (desk: RequestDesk) => desk.today();";
    expect(await ruleIdsFor('src/bot/example.ts', code)).toEqual([]);
  });
});

describe('the domain (src/onboarding)', () => {
  it.each([
    ['an SDK', "import { TurnContext } from 'botbuilder';\nexport const x = TurnContext;"],
    ['the edge', "import { personOf } from '../bot/onboarding-routes.js';\nexport const x = personOf;"],
    ['an adapter', "import { toCsv } from '../storage/audit-csv.js';\nexport const x = toCsv;"],
  ])('when it imports %s, then lint fails', async (_what, code) => {
    expect(await ruleIdsFor('src/onboarding/example.ts', code)).toContain('no-restricted-imports');
  });

  it('when it reads process.env, then lint fails', async () => {
    expect(await ruleIdsFor('src/onboarding/example.ts', 'export const x = process.env.X;')).toContain('no-restricted-properties');
  });
});
