/**
 * The dependency rules are enforced by ESLint (eslint.config.js); these tests lint small
 * snippets as if they were files in each folder, so a rule that stops working is noticed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
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

  // The domain is a folder per capability; the rules hold one level down as at the top.
  it.each([
    ['src/onboarding/bulk/example.ts', 'an SDK', "import { Client } from '@microsoft/microsoft-graph-client';\nexport const x = Client;"],
    ['src/onboarding/templates/example.ts', 'an adapter', "import { toCsv } from '../../storage/audit-csv.js';\nexport const x = toCsv;"],
    ['src/onboarding/kernel/example.ts', 'the edge', "import { personOf } from '../../bot/onboarding-routes.js';\nexport const x = personOf;"],
  ])('when %s imports %s, then lint fails', async (file, _what, code) => {
    expect(await ruleIdsFor(file, code)).toContain('no-restricted-imports');
  });

  it('when a capability imports another through its own path, then lint passes', async () => {
    expect(await ruleIdsFor('src/onboarding/bulk/example.ts', "import { say } from '../kernel/sentences.js';\nexport const x = say;")).toEqual([]);
  });
});

describe('the local tenant (src/local-tenant), a folder per service it plays', () => {
  it.each(['src/local-tenant/graph/example.ts', 'src/local-tenant/entra/example.ts'])('when %s imports the bot\'s domain, then lint fails (it shares no code with the bot)', async (file) => {
    expect(await ruleIdsFor(file, "import { say } from '../../onboarding/index.js';\nexport const x = say;")).toContain('no-restricted-imports');
  });
});

/**
 * The Teams platform (botbuilder, teams-ai, botbuilder-azure-blobs) is used in the edge and in
 * the Teams delivery adapter only, so that moving to a successor SDK (Teams SDK v2, Microsoft
 * 365 Agents SDK) touches src/bot and src/delivery alone (ARCHITECTURE.md).
 */
describe('the Teams platform packages (botbuilder, teams-ai) outside src/bot and src/delivery', () => {
  const platformImports = [
    ['botbuilder', "import { MessageFactory } from 'botbuilder';\nexport const x = MessageFactory;"],
    ['a botbuilder type', "import type { Activity } from 'botbuilder';\nexport type X = Activity;"],
    ['botbuilder-azure-blobs', "import { BlobsStorage } from 'botbuilder-azure-blobs';\nexport const x = BlobsStorage;"],
    ['@microsoft/teams-ai', "import { Application } from '@microsoft/teams-ai';\nexport const x = Application;"],
    ['botframework-connector', "import { ConnectorClient } from 'botframework-connector';\nexport const x = ConnectorClient;"],
  ] as const;
  const elsewhere = [
    'src/app.ts', 'src/index.ts', 'src/config.ts', 'src/logging.ts', 'src/http-server.ts', 'src/telemetry.ts',
    'src/storage/example.ts', 'src/directory/example.ts', 'src/onboarding/example.ts', 'src/request-reading/example.ts',
    'src/local-tenant/example.ts', 'src/local-tenant/main.ts', 'src/some-new-folder/example.ts',
  ];

  it.each(elsewhere.flatMap((file) => platformImports.map(([what, code]) => [file, what, code] as const)))(
    'when %s imports %s, then lint fails',
    async (file, _what, code) => {
      expect(await ruleIdsFor(file, code)).toContain('no-restricted-imports');
    },
  );

  it.each(['src/bot/example.ts', 'src/delivery/example.ts'].flatMap((file) => platformImports.map(([what, code]) => [file, what, code] as const)))(
    'when %s imports %s, then lint passes',
    async (file, _what, code) => {
      expect(await ruleIdsFor(file, code)).toEqual([]);
    },
  );

  it('when the source is read, then no file outside src/bot and src/delivery imports them (the composition root included)', () => {
    const platform = /^(botbuilder|botbuilder-[\w-]+|botframework-[\w-]+|@microsoft\/teams-ai)(\/.*)?$/;
    const offenders = sourceFiles('src')
      .filter((file) => !/^src\/(bot|delivery)\//.test(file))
      .flatMap((file) => importedModules(readFileSync(file, 'utf8')).filter((name) => platform.test(name)).map((name) => `${file}: ${name}`));
    expect(offenders).toEqual([]);
    // The reading sees what it must: the edge imports botbuilder.
    expect(importedModules(readFileSync('src/bot/bot-application.ts', 'utf8'))).toContain('botbuilder');
  });
});

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name).split(sep).join('/'))
    .filter((file) => /\.(ts|cts|mts|js|cjs|mjs)$/.test(file));
}

/** Module names in import/export … from, import(…) and require(…). */
function importedModules(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)].map((match) => match[1]!);
}
