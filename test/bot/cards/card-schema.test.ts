/**
 * Every card the templates add, and the request's cards as templates change them, read by
 * Microsoft's Adaptive Cards library (the renderer Teams builds on): no parse warnings and no
 * validation failures (a choice without a value, a duplicate input id…), which a card would
 * otherwise only show in Teams. Card widths are checked in a browser (test/browser/card-widths.test.ts).
 */
import * as AC from 'adaptivecards';
import { describe, expect, it } from 'vitest';
import { onboardingFormCard, onboardingReviewCard, ticketCard } from '../../../src/bot/cards/onboarding-cards.js';
import { templateEditorCard, templateListCard, templateRemoveCard } from '../../../src/bot/cards/template-cards.js';
import { E3, GROUPS, marketingTemplate } from '../../onboarding/template-fakes.js';

const stored = { template: marketingTemplate(), version: 'v1' };
const cards: Record<string, Record<string, unknown>> = {
  'template list': templateListCard([stored]),
  'empty template list': templateListCard([]),
  'template editor': templateEditorCard({
    stored, values: { name: 'Marketing', departments: 'Marketing', employeeTypes: '', usageLocation: '', companyName: '', employeeType: '', jobTitles: '', extensionAttributes: '', licence: '' },
    chosen: [{ id: GROUPS.marketingTeam, displayName: 'Marketing Team', kind: 'security', assignedSkuIds: [] }],
    matches: [{ id: GROUPS.licenceE3, displayName: 'Licence – Microsoft 365 E3', kind: 'security', assignedSkuIds: [E3] }],
    skus: [{ skuId: E3, skuPartNumber: 'SPE_E3', enabledUnits: 250, consumedUnits: 238, appliesTo: 'User', capabilityStatus: 'Enabled' }],
  }),
  'new template editor': templateEditorCard({
    values: { name: '', departments: '', employeeTypes: '', usageLocation: '', companyName: '', employeeType: '', jobTitles: '', extensionAttributes: '', licence: '' }, chosen: [], skus: [],
  }),
  'template removal': templateRemoveCard(stored),
  'request form with templates': onboardingFormCard({ draftId: 'd1', form: {}, domains: ['contoso.com'], templates: { choices: [{ id: 't1', name: 'Marketing' }], jobTitleSuggestions: [], usageLocationDefault: 'US' } }),
  'review with a template': onboardingReviewCard({
    draftId: 'd1', userPrincipalName: 'a@contoso.com', displayName: 'A', form: {},
    template: { kind: 'chosen', notes: ['A note.'], snapshot: { templateId: 't1', name: 'Marketing', version: 'v1', groups: [], extensionAttributes: {}, defaultsApplied: [], jobTitleSuggestions: [] } },
  }),
  'ticket with template buttons': ticketCard({
    requestId: 'r1', ticketReference: 'INC-1', userPrincipalName: 'a@contoso.com', displayName: 'A', requester: { id: 'm', name: 'Megan' }, objectId: 'o1',
    status: 'done', at: '2026-12-01T10:40:00.000Z', notes: ['Template Marketing: added to Marketing Team.'], template: { canApply: true, canAssignLicence: true },
  }),
};

describe('the cards, read by the Adaptive Cards library', () => {
  it.each(Object.entries(cards))('when the %s card is parsed and validated, then there is nothing to report', (_name, json) => {
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext();
    card.parse(json, context);
    const events = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message);
    const validation = card.validateProperties();
    expect(events).toEqual([]);
    expect(validation.validationEvents.map((e) => `${(e.source as { id?: string } | undefined)?.id ?? ''}: ${e.message}`)).toEqual([]);
  });
});
