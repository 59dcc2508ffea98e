/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Every card the bot sends, rendered by Microsoft's Adaptive Cards renderer (the one Teams
 * builds on) in headless Chromium at a Teams desktop card width and at a phone width: no
 * card is wider than its column, the form's paired inputs line up row by row, and the
 * screenshots land in build/screenshots/cards/ (the Agents Playground has no phone layout).
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../scripts/local-services.js';
import { helpCard } from '../../src/bot/cards/help-card.js';
import { onboardingFormCard, onboardingResultCard, onboardingReviewCard, ticketCard } from '../../src/bot/cards/onboarding-cards.js';
import { revealCard, revealedCard, statusCard } from '../../src/bot/cards/credentials-cards.js';
import { bulkProgressCard, bulkRevealCard, bulkRevealedCard, bulkReviewCard } from '../../src/bot/cards/bulk-cards.js';
import { COMMANDS } from '../../src/bot/bot-application.js';
import { templateEditorCard, templateListCard, templateRemoveCard } from '../../src/bot/cards/template-cards.js';
import { E3, GROUPS, marketingTemplate } from '../onboarding/template-fakes.js';
import { Secret } from '../../src/onboarding/index.js';
import { launchChromium, type HeadlessChromium } from './support/chromium.js';

const rendererScript = createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js');
const WIDTHS = { desktop: 560, phone: 360 } as const;
// The newer fields filled in: a personal email (an address much longer than this is cut off in a fact at phone width) and the manager as the recipient.
const form = {
  givenName: 'Nora', surname: 'Lindqvist', domain: 'contoso.com', usageLocation: 'US', department: 'Marketing', employeeType: 'Contractor', startDate: '2026-12-01',
  ticketReference: 'INC-4711', businessJustification: 'Joins Marketing on Monday.', manager: 'megan.bowen@contoso.com', secretRecipient: 'manager',
  personalEmail: 'nora.lindqvist@example.org',
};
const manager = { id: 'u-megan', name: 'Megan Bowen', role: 'manager' as const };
const progress = { jobId: 'bulk-1', ticketReference: 'REORG-7', total: 40, done: 10, failed: 2, remaining: 28, finished: false };
const reveal = { requestId: 'r1', displayName: 'Nora Lindqvist', ticketReference: 'INC-4711', generation: 1, contents: 'password-and-tap' as const, expiresAt: '2026-12-02T10:00:00.000Z' };

const cards: Record<string, Record<string, unknown>> = {
  help: helpCard(COMMANDS, true),
  form: onboardingFormCard({ draftId: 'd1', form, domains: ['contoso.com', 'contoso.onmicrosoft.com'], recipientChoices: ['requester', 'manager', 'coordinator'] }),
  'form-with-problems': onboardingFormCard({ draftId: 'd1', form: { ...form, usageLocation: 'XX' }, domains: ['contoso.com'], problems: [{ field: 'usageLocation', message: 'The country must be a two-letter code such as US.' }] }),
  review: onboardingReviewCard({ draftId: 'd1', userPrincipalName: 'nora.lindqvist@contoso.com', form, displayName: 'Nora Lindqvist', recipient: manager }),
  result: onboardingResultCard({ requestId: 'r1', correlationId: 'c1', status: 'done', pending: false, userPrincipalName: 'nora.lindqvist@contoso.com', displayName: 'Nora Lindqvist', fieldProblems: [], alternatives: [], warnings: [], welcomeMail: { to: form.personalEmail, state: 'sent' } }),
  'reveal-card': revealCard(reveal, '29:megan'),
  revealed: revealedCard({ ...reveal, state: 'revealed', revealedAt: '2026-12-01T10:42:00.000Z', visibleUntil: '2026-12-01T10:52:00.000Z' }, { password: new Secret('7+k&Q2YKqh26pYNu'), temporaryAccessPass: new Secret('Z!NcR$qF') }),
  'reveal-status': statusCard({ ...reveal, state: 'gone' }),
  ticket: ticketCard({
    requestId: 'r1', ticketReference: 'INC-4711', userPrincipalName: 'nora.lindqvist@contoso.com', displayName: 'Nora Lindqvist', requester: { id: 'm', name: 'Megan Bowen' },
    recipient: { name: 'Megan Bowen', role: 'the manager' }, objectId: 'o1', status: 'done', at: '2026-12-01T10:40:00.000Z', notes: [`Welcome email sent to ${form.personalEmail}.`],
  }),
  // Templates: the list, the editor with groups found and licences offered, the removal question, and the review and ticket with one.
  templates: templateListCard([{ template: marketingTemplate(), version: 'v1' }, { template: marketingTemplate({ id: 't2', name: 'Sales EMEA contractors', departments: ['Sales'], employeeTypes: ['Contractor'] }), version: 'v2' }]),
  'template-editor': templateEditorCard({
    stored: { template: marketingTemplate(), version: 'v1' },
    values: { name: 'Marketing', departments: 'Marketing, Brand', employeeTypes: '', usageLocation: 'SE', companyName: 'Contoso Nordic', employeeType: 'Employee', jobTitles: 'Marketing Manager, Content Writer', extensionAttributes: 'extensionAttribute1 = MKT', licence: `sku:${E3}` },
    chosen: [{ id: GROUPS.marketingTeam, displayName: 'Marketing Team', kind: 'security', assignedSkuIds: [] }],
    matches: [{ id: GROUPS.licenceE3, displayName: 'Licence – Microsoft 365 E3', kind: 'security', assignedSkuIds: [E3] }, { id: GROUPS.allSales, displayName: 'All Sales (dynamic)', kind: 'dynamic', assignedSkuIds: [] }],
    skus: [{ skuId: E3, skuPartNumber: 'SPE_E3', enabledUnits: 250, consumedUnits: 238, appliesTo: 'User', capabilityStatus: 'Enabled' }],
    problems: [{ field: 'groups', message: 'All Sales (dynamic) has dynamic membership: a rule decides its members, so a template cannot add people to it.' }],
  }),
  'template-remove': templateRemoveCard({ template: marketingTemplate(), version: 'v1' }),
  'review-with-template': onboardingReviewCard({
    draftId: 'd1', userPrincipalName: 'nora.lindqvist@contoso.com', form, displayName: 'Nora Lindqvist', recipient: manager, submitForm: { ...form, companyName: 'Contoso Nordic' },
    template: {
      kind: 'chosen', notes: ['The template Marketing EMEA applies too; Marketing is used. To use another, press Edit and choose it under Template.'],
      snapshot: {
        templateId: 't1', name: 'Marketing', version: 'v1', groups: [{ id: GROUPS.marketingTeam, displayName: 'Marketing Team' }, { id: GROUPS.marketing, displayName: 'Marketing' }],
        licence: { kind: 'sku', skuId: E3, skuPartNumber: 'SPE_E3', name: 'Microsoft 365 E3', free: 12, total: 250 }, extensionAttributes: {},
        defaultsApplied: [{ field: 'companyName', value: 'Contoso Nordic', from: 'template' }], jobTitleSuggestions: [],
      },
    },
  }),
  'ticket-with-template': ticketCard({
    requestId: 'r1', ticketReference: 'INC-4711', userPrincipalName: 'nora.lindqvist@contoso.com', displayName: 'Nora Lindqvist', requester: { id: 'm', name: 'Megan Bowen' },
    objectId: 'o1', status: 'done', at: '2026-12-01T10:40:00.000Z', template: { canApply: false, canAssignLicence: true },
    notes: ['Template Marketing: added to Marketing Team, Marketing.', 'Licence Microsoft 365 E5 missing: no free seats (0 of 25 free); buy or free a seat, then press Assign licence.'],
  }),
  'bulk-review': bulkReviewCard({
    kind: 'ready', jobId: 'bulk-9', rowCount: 12, ticketReferences: ['REORG-7'], recipients: ['Alex Wilber', 'Megan Bowen'], notes: [], tapMode: 'instead', welcomeMails: 12, mailer: true,
    templates: [{ name: 'Marketing', rows: 12, summary: '12 rows: added to Marketing Team, Marketing; licence Microsoft 365 E3 — 12 of 250 free.' }],
    confirmations: [
      { kind: 'start-date', rowNumber: 4, startDate: '2025-01-06', why: 'past' },
      { kind: 'second-account', rowNumber: 7, why: 'same-name', earlierUserPrincipalName: 'nora.lindqvist@contoso.com', earlierRequestId: 'r1', instead: 'nora.lindqvist2@contoso.com' },
    ],
  }),
  'bulk-problems': bulkReviewCard({ kind: 'problems', rowCount: 50, badRows: 2, problems: [{ rowNumber: 3, message: 'The usage location is required.' }, { rowNumber: 9, message: 'The personal email must be one address, like adele@example.com.' }], notes: [] }),
  'bulk-progress': bulkProgressCard(progress),
  'bulk-reveal': bulkRevealCard({ jobId: 'bulk-1', displayNames: ['Nora Lindqvist', 'Liv Sandberg', 'Tove Lindgren'], contents: 'password-and-tap', expiresAt: '2026-12-02T10:00:00.000Z', part: 2, parts: 3 }),
  'bulk-revealed': bulkRevealedCard({
    kind: 'shown', gone: 1, visibleUntil: '2026-12-01T10:52:00.000Z', part: 2, parts: 3,
    accounts: [
      { displayName: 'Nora Lindqvist', password: new Secret('7+k&Q2YKqh26pYNu'), temporaryAccessPass: new Secret('Z!NcR$qF') },
      { displayName: 'Liv Sandberg', password: new Secret('Z!NcR$qFm4WvXe2b'), temporaryAccessPass: new Secret('p9#Lk2Wq') },
    ],
  }),
};

async function render(page: Page, card: Record<string, unknown>, width: number): Promise<void> {
  await page.evaluate(({ json, width }) => {
    const AC = (window as unknown as { AdaptiveCards: { AdaptiveCard: new () => { parse(json: unknown): void; render(): HTMLElement } } }).AdaptiveCards;
    const host = document.getElementById('host')!;
    host.style.width = `${width}px`;
    host.replaceChildren();
    const adaptive = new AC.AdaptiveCard();
    adaptive.parse(json);
    host.appendChild(adaptive.render());
  }, { json: card, width });
}

describe('every card at a desktop and a phone width (Adaptive Cards renderer)', () => {
  let chromium: HeadlessChromium;
  let page: Page;
  beforeAll(async () => {
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    await page.setContent('<!doctype html><html><body style="margin:0;font-family:sans-serif"><div id="host"></div></body></html>');
    await page.addScriptTag({ path: rendererScript });
    mkdirSync(`${projectRoot}build/screenshots/cards`, { recursive: true });
  });
  afterAll(async () => {
    await chromium?.close();
  });

  for (const [name, card] of Object.entries(cards)) {
    for (const [label, width] of Object.entries(WIDTHS)) {
      it(`when the ${name} card is shown ${label}-wide (${width} px), then nothing sticks out and it is saved for a look`, async () => {
        await render(page, card, width);
        const { scrollWidth, clientWidth, elements, clipped } = await page.evaluate(() => {
          const root = document.querySelector('#host .ac-adaptiveCard') as HTMLElement;
          // A text cut off inside its column (an address too long for a fact's value) is as bad as a card too wide;
          // inputs scroll their text by design.
          const clipped = [...root.querySelectorAll<HTMLElement>('*')]
            .filter((element) => !element.matches('input, textarea, select') && element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX !== 'visible')
            .map((element) => element.innerText);
          return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, elements: root.querySelectorAll('*').length, clipped };
        });
        expect(elements).toBeGreaterThan(3);
        expect(scrollWidth).toBeLessThanOrEqual(clientWidth + 1);
        expect(clipped, 'texts cut off').toEqual([]);
        await page.locator('#host').screenshot({ path: `${projectRoot}build/screenshots/cards/${name}-${label}.png` });
      });
    }
  }

  it('when the form is shown at either width, then the two inputs of each row start at the same height', async () => {
    for (const width of Object.values(WIDTHS)) {
      await render(page, cards.form!, width);
      const rows = await page.evaluate(() => [...document.querySelectorAll('#host .ac-columnSet')].map((row) =>
        [...row.querySelectorAll(':scope > .ac-container')].map((column) => column.querySelector('input, select, textarea')?.getBoundingClientRect().top)
          .filter((top): top is number => top !== undefined)).filter((tops) => tops.length === 2));
      expect(rows.length, 'form rows with two inputs').toBeGreaterThanOrEqual(3);
      expect(rows.filter(([a, b]) => Math.abs(a! - b!) > 2), `rows whose inputs do not line up at ${width} px`).toEqual([]);
    }
  });
});
