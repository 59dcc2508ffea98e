/**
 * Template changes in the real audit table (Azurite): what an admin types — a name, a department,
 * an extension attribute's value — is plain text the trail must take as it is, even where it reads
 * like "secret: …", which the table refuses as a field that could hold a secret.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createTemplateDesk, defaultOnboardingPolicy, type TemplateDeskDependencies } from '../../src/onboarding/index.js';
import { createTableAuditLog } from '../../src/storage/index.js';
import { FakeClock, SeededRandom } from '../onboarding/fakes.js';
import { GROUPS, InMemoryTemplateStore, templateDirectoryWithSeed } from '../onboarding/template-fakes.js';

describe('template changes in the audit table', () => {
  it('when an admin\'s text reads like "secret: …" or "password = …", then the change is still recorded, in words', async () => {
    const audit = createTableAuditLog({ connectionString: inject('azuriteConnectionString'), tableName: `Audit${randomBytes(5).toString('hex')}` });
    const directory = templateDirectoryWithSeed();
    directory.addGroup({ id: 'a1f0c000-0000-4000-8000-00000000c0aa', displayName: 'Passwords: vault keepers', kind: 'security' });
    const deps = {
      templates: new InMemoryTemplateStore(), templateDirectory: directory, markerAttribute: 15, audit, clock: new FakeClock(), random: new SeededRandom(3),
      instanceId: 'instance-a', policy: defaultOnboardingPolicy,
      roles: { roleOf: async () => 'admin' as const, whomToAsk: async () => ({ admins: 'IT', requesters: 'managers' }) },
    } as unknown as TemplateDeskDependencies;
    const desk = createTemplateDesk(deps);
    const saved = await desk.save({ id: 'admin-1', name: 'Alex Wilber' }, {
      template: {
        name: 'Secret: projects', departments: ['Secret: projects'], employeeTypes: [], jobTitles: [], extensionAttributes: { extensionAttribute2: 'password = none' },
        groupIds: [GROUPS.marketingTeam, 'a1f0c000-0000-4000-8000-00000000c0aa'], licence: null,
      },
    });
    expect(saved.kind).toBe('saved');
    const [event] = await audit.query({ type: 'template.created' });
    expect(event?.details).toMatchObject({ templateName: 'Secret： projects', changes: expect.stringContaining('groups: none → Marketing Team, Passwords： vault keepers') });
    expect(String(event?.details.changes)).toContain('extensionAttribute2＝password ＝ none');
  });
});
