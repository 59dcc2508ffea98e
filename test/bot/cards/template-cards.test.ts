/** The template cards as an admin reads them, and the editor's card data read back (untrusted). */
import { describe, expect, it } from 'vitest';
import { onboardingFormCard, onboardingReviewCard, ticketCard } from '../../../src/bot/cards/onboarding-cards.js';
import { readEditorData, templateEditorCard, templateListCard, templateRemoveCard } from '../../../src/bot/cards/template-cards.js';
import type { TemplateSnapshot } from '../../../src/onboarding/index.js';
import { textOf, type Card } from '../../support/cards.js';
import { E3, GROUPS, marketingTemplate } from '../../onboarding/template-fakes.js';

const sku = { skuId: E3, skuPartNumber: 'SPE_E3', enabledUnits: 250, consumedUnits: 238, appliesTo: 'User', capabilityStatus: 'Enabled' };

describe('the template list and editor cards', () => {
  it('when templates exist, then each is listed in words with Edit and Remove for that template and version', () => {
    const card = templateListCard([{ template: marketingTemplate(), version: 'v7' }], ['Saved the template Marketing.']) as Card;
    const text = textOf(card);
    expect(text).toContain('Saved the template Marketing.');
    expect(text).toMatch(/Departments\nMarketing\nGroups\nMarketing Team, Marketing\nLicence\nMicrosoft 365 E3\nDefaults\nCountry SE, Company Contoso Nordic, extensionAttribute1 MKT/);
    expect(JSON.stringify(card)).toContain('"verb":"templates.remove","data":{"templateId":"7e3a0000-0000-4000-8000-00000000e001","version":"v7"}');
    expect(textOf(templateListCard([]) as Card)).toContain('No onboarding templates yet.');
  });

  it('when the editor shows a template, then its groups are ticked, search matches are not, and the licences offer seats and licensing groups', () => {
    const licensing = { id: GROUPS.licenceE3, displayName: 'Licence – Microsoft 365 E3', kind: 'security' as const, assignedSkuIds: [E3] };
    const card = templateEditorCard({
      stored: { template: marketingTemplate(), version: 'v7' },
      values: { name: 'Marketing', departments: 'Marketing', employeeTypes: '', usageLocation: 'SE', companyName: '', employeeType: '', jobTitles: '', extensionAttributes: '', licence: `sku:${E3}` },
      chosen: [{ id: GROUPS.marketingTeam, displayName: 'Marketing Team', kind: 'security', assignedSkuIds: [] }],
      matches: [licensing, { id: GROUPS.allSales, displayName: 'All Sales', kind: 'dynamic', assignedSkuIds: [] }],
      skus: [sku],
      problems: [{ field: 'groups', message: 'All Sales has dynamic membership.' }],
    }) as Card;
    const json = JSON.stringify(card);
    expect(json).toContain(`"id":"group.${GROUPS.marketingTeam}","title":"Marketing Team (security group)","value":"true"`);
    expect(json).toContain(`"id":"group.${GROUPS.allSales}","title":"All Sales (dynamic: cannot be added to)","value":"false"`);
    expect(json).toContain(`{"title":"Microsoft 365 E3 (12 of 250 free)","value":"sku:${E3}"}`);
    expect(json).toContain(`{"title":"Through the group Licence – Microsoft 365 E3 (Microsoft 365 E3)","value":"group:${GROUPS.licenceE3}"}`);
    expect(textOf(card)).toMatch(/Nothing was saved: one field needs changing \(marked below\)\.[\s\S]*All Sales has dynamic membership\./);
    expect(textOf(templateRemoveCard({ template: marketingTemplate(), version: 'v7' }) as Card)).toMatch(/^Remove Marketing\?\nRemove the template Marketing\?/);
  });

  it('when editor card data is hostile (megabytes, odd keys, non-strings, fake group ids), then only known fields are read, bounded, and only real group ids count', () => {
    const read = readEditorData({
      name: 'x'.repeat(5_000_000), departments: 'Marketing; Brand\nPR,,', employeeTypes: 42, licence: `group:${GROUPS.licenceE3}`,
      [`group.${GROUPS.marketing}`]: 'true', [`group.${GROUPS.allSales}`]: 'false', 'group.not-a-guid': 'true', 'group.': 'true', __proto__: 'x',
      extensionAttributes: 'extensionAttribute1 = MKT\nextensionAttribute3: EU\njunk',
    });
    expect(read.values.name).toHaveLength(300);
    expect(read.input).toMatchObject({
      departments: ['Marketing', 'Brand', 'PR'], employeeTypes: [], groupIds: [GROUPS.marketing], licence: { kind: 'group', groupId: GROUPS.licenceE3 },
      extensionAttributes: { extensionAttribute1: 'MKT', extensionAttribute3: 'EU', junk: '' },
    });
  });
});

describe('the request\'s cards with a template', () => {
  const snapshot: TemplateSnapshot = {
    templateId: 't1', name: 'Marketing', version: 'v1', groups: [{ id: GROUPS.marketingTeam, displayName: 'Marketing Team' }],
    licence: { kind: 'sku', skuId: E3, skuPartNumber: 'SPE_E3', name: 'Microsoft 365 E3', free: 12, total: 250 }, extensionAttributes: {},
    defaultsApplied: [{ field: 'usageLocation', value: 'SE', from: 'template' }], jobTitleSuggestions: ['Marketing Manager'],
  };

  it('when the review has a template, then it says what the template adds and what it filled in; with none, it says so plainly', () => {
    const review = textOf(onboardingReviewCard({
      draftId: 'd1', userPrincipalName: 'nora.lindqvist@contoso.com', displayName: 'Nora Lindqvist', form: { department: 'Marketing' },
      submitForm: { department: 'Marketing', usageLocation: 'SE' }, template: { kind: 'chosen', snapshot, notes: [] },
    }) as Card);
    expect(review).toMatch(/Country\nSE[\s\S]*What the template Marketing adds\nGroups\nMarketing Team\nLicence\nMicrosoft 365 E3 — 12 of 250 free\nFilled in\nCountry SE \(from the template\)\nJob titles\nMarketing Manager/);
    const none = textOf(onboardingReviewCard({
      draftId: 'd1', userPrincipalName: 'a@contoso.com', displayName: 'A', form: {}, template: { kind: 'none', note: 'No template applies to the department Finance: no groups or licence will be added, only the account.' },
    }) as Card);
    expect(none).toContain('No template applies to the department Finance');
    expect(none).not.toContain('What the template');
  });

  it('when templates exist, then the form offers them (by department, each, none) and hints the job titles; without, no template field', () => {
    const form = onboardingFormCard({ draftId: 'd1', form: {}, domains: ['contoso.com'], templates: { choices: [{ id: 't1', name: 'Marketing' }], jobTitleSuggestions: ['Marketing Manager'], usageLocationDefault: 'SE' } });
    const json = JSON.stringify(form);
    expect(json).toContain('"choices":[{"title":"By department","value":"by-department"},{"title":"Marketing","value":"t1"},{"title":"No template","value":"none"}]');
    expect(json).toContain('"placeholder":"e.g. Marketing Manager"');
    expect(json).toContain('"placeholder":"Two letters; empty: SE"');
    expect(JSON.stringify(onboardingFormCard({ draftId: 'd1', form: {}, domains: ['contoso.com'] }))).not.toContain('"id":"template"');
  });

  it('when the ticket offers template buttons, then Apply template and Assign licence name the request', () => {
    const card = ticketCard({
      requestId: 'r1', ticketReference: 'INC-1', userPrincipalName: 'a@contoso.com', displayName: 'A', requester: { id: 'm', name: 'Megan' }, objectId: 'o1',
      status: 'done', at: '2026-12-01T10:40:00.000Z', notes: [], template: { canApply: true, canAssignLicence: true },
    }) as Card;
    expect(card.actions?.map((a) => [a.verb, a.data])).toEqual(expect.arrayContaining([['template.apply', { requestId: 'r1' }], ['template.assignLicence', { requestId: 'r1' }]]));
  });
});
