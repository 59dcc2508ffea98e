import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { isPortInUse, projectRoot } from '../../scripts/local-services.js';
import { launchChromium, type HeadlessChromium } from './support/chromium.js';
import { npmStart, type LocalStack } from '../support/local-stack.js';

const PORTS = [3978, 44300, 56150, 10000, 10001, 10002];
const HELP_TITLE = 'Onboarding — new Entra ID accounts';

async function sendMessage(page: Page, text: string) {
  // The Playground's compose box is a Lexical editor; card inputs are plain textboxes.
  const box = page.locator('[data-lexical-editor="true"]').last();
  await box.click();
  await box.fill(text);
  await page.keyboard.press('Enter');
}

async function screenshot(page: Page, name: string) {
  mkdirSync(`${projectRoot}build/screenshots`, { recursive: true });
  await page.screenshot({ path: `${projectRoot}build/screenshots/${name}.png`, fullPage: true });
}

interface SentMail {
  id: string;
  from: string;
  subject: string;
  body: { contentType: string; content: string };
  textBody?: string;
  toRecipients: { address: string }[];
}

/**
 * GET on the local tenant's inspection API (/_tenant), over HTTPS trusting only the local CA
 * that npm start made: this test process started before it existed, so NODE_EXTRA_CA_CERTS cannot.
 */
function localTenant(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`https://127.0.0.1:44300/_tenant${path}`, { method: 'GET', ca: readFileSync(`${projectRoot}.local/tls/local-ca.pem`) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /_tenant${path}: ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end();
  });
}

const outbox = async (): Promise<SentMail[]> => (JSON.parse(await localTenant('/outbox')) as { value: SentMail[] }).value;

/** An HTTPS request to the local tenant trusting only its CA (see localTenant). */
function overHttps(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method, headers: init.headers, ca: readFileSync(`${projectRoot}.local/tls/local-ca.pem`) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end(init.body);
  });
}

/** GET on Microsoft Graph v1.0 as the bot's own app registration (client credentials from .local/local-tenant). */
async function graphGet(path: string): Promise<unknown> {
  const app = JSON.parse(readFileSync(`${projectRoot}.local/local-tenant/app-credentials.json`, 'utf8')) as { clientId: string; clientSecret: string; tenantId: string };
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope: 'https://graph.microsoft.com/.default' });
  const token = await overHttps(`https://127.0.0.1:44300/${app.tenantId}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(),
  });
  if (token.status !== 200) throw new Error(`token: ${token.status}`);
  const { access_token: accessToken } = JSON.parse(token.body) as { access_token: string };
  const answer = await overHttps(`https://127.0.0.1:44300/v1.0${path}`, { method: 'GET', headers: { authorization: `Bearer ${accessToken}` } });
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body.slice(0, 300)}`);
  return JSON.parse(answer.body);
}

/** Teams desktop (~1280) and a narrow phone (~400): the same page at both widths, `-narrow` for the phone. */
async function screenshots(page: Page, name: string) {
  await screenshot(page, name);
  const wide = page.viewportSize() ?? { width: 1280, height: 860 };
  await page.setViewportSize({ width: 400, height: 860 });
  await screenshot(page, `${name}-narrow`);
  await page.setViewportSize(wide);
}

describe('npm start, then a person in the Agents Playground', () => {
  let stack: LocalStack;
  let chromium: HeadlessChromium;
  let page: Page;

  beforeAll(async () => {
    stack = await npmStart();
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    if (stack && (await Promise.race([stack.launcher.exited.then(() => true), Promise.resolve(false)])) === false) await stack.interrupt();
  });

  it('when the launcher is ready, then it printed one line per service with its URL', () => {
    const output = stack.launcher.output();
    expect(output).toMatch(/Azurite \(storage\)\s+http:\/\/127\.0\.0\.1:10000/);
    expect(output).toMatch(/Local tenant \(Entra \+ Graph\) https:\/\/127\.0\.0\.1:44300/);
    expect(output).toMatch(/Bot\s+http:\/\/127\.0\.0\.1:3978\/api\/messages/);
    expect(output).toMatch(/Agents Playground\s+http:\/\/localhost:56150/);
  });

  it('when the person opens the Playground and types "help", then the bot answers with the help card', async () => {
    await page.goto(stack.playgroundUrl, { waitUntil: 'domcontentloaded' });
    // The Playground installs the app on open; the bot greets with its help card once.
    await page.getByText(HELP_TITLE).first().waitFor({ timeout: 60_000 });
    const before = await page.getByText(HELP_TITLE).count();

    await sendMessage(page, 'help');

    await expect.poll(() => page.getByText(HELP_TITLE).count(), { timeout: 30_000 }).toBe(before + 1);
    await expect.poll(() => page.getByText('Shows this card.').count()).toBeGreaterThan(before);
    await screenshot(page, 'playground-help');
  });

  it('when the manager types the README\'s sentence, checks and creates, then the review names the Marketing template\'s groups and licence with free seats, a reveal card arrives in her personal chat, Reveal shows the password once, a reload shows it no more, and the UPN, groups and licence go to the General channel and are in Entra', async () => {
    await sendMessage(page, 'please create an account for Nora Lindqvist, Marketing, contractor, starts 1 Dec, ticket INC-4711');
    await page.getByText('Request a new account', { exact: true }).last().waitFor({ timeout: 30_000 });
    expect(await page.getByLabel(/^Given name/).last().inputValue()).toBe('Nora');
    expect(await page.getByLabel(/^Surname/).last().inputValue()).toBe('Lindqvist');
    expect(await page.getByLabel(/^Ticket reference/).last().inputValue()).toBe('INC-4711');
    // Resizing re-renders the cards (typed values are lost): the form is pictured before typing in it.
    await screenshots(page, 'playground-form');
    await page.getByLabel(/Business justification/).last().fill('Joins Marketing on Monday as a contractor.');
    // Short labels (one line each): the inputs of a row start at the same height, give or take
    // the few pixels a drop-down's frame differs from a text box's (a wrapped label is ~20 px).
    const top = async (label: RegExp) => (await page.getByLabel(label).last().boundingBox())?.y ?? Number.NaN;
    for (const [left, right] of [[/^User name/, /^Domain/], [/^Manager/, /^Country/], [/^Employee type/, /^Start date/]] as const) {
      expect(Math.abs((await top(left)) - (await top(right)))).toBeLessThan(8);
    }

    await page.getByRole('button', { name: 'Check and review' }).last().click();
    const review = page.locator('.ac-adaptiveCard', { hasText: 'Check the new account' }).last();
    await review.waitFor({ timeout: 30_000 });
    await screenshots(page, 'playground-review');
    const reviewText = await review.innerText();
    const upn = /(\S+@contoso\.com) is free/.exec(reviewText)?.[1] ?? '';
    // Issue 23: the Marketing template (env/templates.local.json) says what it adds, in words, with the licence's free seats.
    expect(reviewText).toMatch(/What the template Marketing adds\s+Groups\s+Marketing Team, Marketing\s+Licence\s+Microsoft 365 E3 — \d+ of 250 free/);
    const seatsFree = Number(/Microsoft 365 E3 — (\d+) of 250 free/.exec(reviewText)?.[1]);
    const alias = upn.split('@')[0] ?? '';
    // A checkout whose local tenant kept Nora from an earlier run: the review names her account
    // and Create needs the explicit tick (a fresh checkout creates nora.lindqvist straight away).
    const second = review.getByRole('checkbox', { name: 'Yes, create a second account' });
    if (upn !== 'nora.lindqvist@contoso.com') {
      expect(await review.innerText()).toContain('I already created nora.lindqvist@contoso.com for the same name');
      await review.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('Tick this to create the account, or press Cancel.').last().waitFor({ timeout: 10_000 });
      await screenshot(page, 'playground-second-account');
      await second.check();
    } else if (await second.count() > 0) {
      // A checkout whose local tenant holds another account made under INC-4711 (someone's own try of
      // the README's sentence): the same-ticket warning asks for the same tick.
      expect(await review.innerText()).toMatch(/under the same ticket/);
      await second.check();
    }
    await review.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Account created for Nora Lindqvist').last().waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByText(`${upn} was created for Nora Lindqvist`).count()).toBeGreaterThan(0);

    // The reveal card: in this personal chat, naming the person, never the user name, no secret.
    const revealCard = page.locator('.ac-adaptiveCard', { hasText: 'Credentials for Nora Lindqvist' }).last();
    await revealCard.waitFor({ timeout: 30_000 });
    const cardText = await revealCard.innerText();
    expect(cardText).not.toContain(upn);
    expect(cardText).not.toContain(alias);
    expect(cardText).toMatch(/Press Reveal when you are ready/);
    await revealCard.scrollIntoViewIfNeeded();
    await screenshots(page, 'playground-request');

    // Reveal: the password shows in the card for her alone (the answer to her click).
    await revealCard.getByRole('button', { name: 'Reveal' }).click();
    const shown = page.locator('.ac-adaptiveCard', { hasText: 'Press Hide when done' }).last();
    await shown.waitFor({ timeout: 30_000 });
    const password = /Temporary password\s+(\S{16})/.exec(await shown.innerText())?.[1];
    if (!password) throw new Error('no password on the revealed card');
    // npm start issues a Temporary Access Pass alongside (env/.env.local: TAP_MODE=alongside).
    const pass = /Temporary Access Pass\s+(\S+)/.exec(await shown.innerText())?.[1];
    expect(pass).toBeDefined();
    expect(password).toMatch(/^\S{16}$/);
    expect(await shown.innerText()).not.toContain(upn);
    await shown.scrollIntoViewIfNeeded();
    // Desktop only: a resize would re-render the card from the chat, which holds no secret.
    await screenshot(page, 'playground-reveal');

    // Hide: the card says where things stand, and the secret is off the screen.
    await shown.getByRole('button', { name: 'Hide' }).click();
    await page.locator('.ac-adaptiveCard', { hasText: /You revealed a temporary password and a Temporary Access Pass for Nora Lindqvist at/ }).last().waitFor({ timeout: 30_000 });
    expect((await page.locator('body').innerText()).includes(password)).toBe(false);
    // …and the Playground wrote neither to a log file in the checkout.
    expect(existsSync(`${projectRoot}devTools/m365agentsplayground.log`)).toBe(false);
    for (const log of readdirSync(`${projectRoot}.local/logs`)) {
      const text = readFileSync(`${projectRoot}.local/logs/${log}`, 'utf8');
      expect(text).not.toContain(password);
      expect(text).not.toContain(pass);
    }

    // The General channel of the IT team: the user name and ticket, and no password card.
    await page.getByText('General', { exact: true }).click();
    const ticket = page.locator('.ac-adaptiveCard', { hasText: 'New account ready: Nora Lindqvist' }).last();
    await ticket.waitFor({ timeout: 30_000 });
    const ticketText = await ticket.innerText();
    expect(ticketText).toContain(upn);
    expect(ticketText).toContain('INC-4711');
    expect(ticketText).toContain('Megan Bowen');
    // The template's groups and licence, said in the ticket and read back through Graph.
    expect(ticketText).toContain('Template Marketing: added to Marketing Team, Marketing.');
    const groupsOfNora = (await graphGet(`/users/${encodeURIComponent(upn)}/memberOf?$select=displayName`)) as { value: { displayName: string }[] };
    expect(groupsOfNora.value.map((group) => group.displayName)).toEqual(expect.arrayContaining(['Marketing Team', 'Marketing']));
    const licences = (await graphGet(`/users/${encodeURIComponent(upn)}?$select=assignedLicenses,usageLocation`)) as { assignedLicenses: { skuId: string }[]; usageLocation: string };
    expect(licences.usageLocation).toBe('SE');
    if (seatsFree > 0) {
      expect(ticketText).toContain('Licence Microsoft 365 E3 assigned.');
      expect(licences.assignedLicenses.map((licence) => licence.skuId)).toContain('05e9a617-0261-4cee-bb44-138d3ef5d965');
    } else {
      // A checkout that used up the seed's 12 free seats: the account exists without it, and the ticket says what is missing.
      expect(ticketText).toContain('Licence Microsoft 365 E3 missing: no free seats');
      expect(licences.assignedLicenses).toEqual([]);
    }
    expect(await page.getByText('Temporary password', { exact: true }).count()).toBe(0);
    await ticket.scrollIntoViewIfNeeded();
    await screenshots(page, 'playground-ticket');

    // A reload keeps nothing of the secret (the Playground keeps no history; Teams shows the stored card, refreshed to its state).
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByText('Personal Chat').first().waitFor({ timeout: 60_000 });
    expect((await page.locator('body').innerText()).includes(password)).toBe(false);
  });

  it('when the manager asks for someone with a personal email and sends the password to the manager (herself), then the reveal card arrives in her chat, the welcome mail in the outbox names the user and holds no secret, and the ticket names both', async () => {
    const personalEmail = 'liv.sandberg@example.org';
    const sentBefore = new Set((await outbox()).map((mail) => mail.id));
    await page.getByText('Personal Chat', { exact: true }).first().click();
    await sendMessage(page, `please create an account for Liv Sandberg, Marketing, starts 1 Dec, ticket INC-4712, personal email ${personalEmail}, manager megan.bowen@contoso.com`);
    await page.getByText('Request a new account', { exact: true }).last().waitFor({ timeout: 30_000 });
    expect(await page.getByLabel(/^Personal email/).last().inputValue()).toBe(personalEmail);
    expect(await page.getByLabel(/^Manager/).last().inputValue()).toBe('megan.bowen@contoso.com');
    // The Playground draws a choice set as a Fluent combobox (a text input and a listbox), not a <select>.
    const recipient = page.getByRole('combobox', { name: /^Password goes to/ }).last();
    expect(await recipient.inputValue()).toBe('Me');
    await recipient.click();
    await page.getByRole('option', { name: 'The manager', exact: true }).click();
    expect(await recipient.inputValue()).toBe('The manager');
    await page.getByLabel(/Business justification/).last().fill('Joins Marketing on Monday; her manager hands over the password.');
    await recipient.scrollIntoViewIfNeeded();
    // Desktop only: a resize would re-render the form and lose the choice.
    await screenshot(page, 'playground-welcome-form');

    await page.getByRole('button', { name: 'Check and review' }).last().click();
    const review = page.locator('.ac-adaptiveCard', { hasText: 'Check the new account' }).last();
    await review.waitFor({ timeout: 30_000 });
    const reviewText = await review.innerText();
    expect(reviewText).toMatch(/Password to\s+Megan Bowen \(the manager\)/);
    expect(reviewText).toContain('The temporary password will be sent only to Megan Bowen (the manager), in a private chat with me.');
    expect(reviewText).toContain(`A welcome email will go to ${personalEmail} once the account exists`);
    const upn = /(\S+@contoso\.com) is free/.exec(reviewText)?.[1] ?? '';
    expect(upn).toMatch(/^\S+@contoso\.com$/);
    // A re-run (the local tenant kept Liv): the review names the earlier account and Create needs the tick.
    if (upn !== 'liv.sandberg@contoso.com') {
      expect(reviewText).toMatch(/I already created \S+@contoso\.com (for the same name|under the same ticket)/);
      await review.getByRole('checkbox', { name: 'Yes, create a second account' }).check();
    } else if (await review.getByRole('checkbox', { name: 'Yes, create a second account' }).count() > 0) {
      expect(reviewText).toMatch(/under the same ticket/);
      await review.getByRole('checkbox', { name: 'Yes, create a second account' }).check();
    }
    await review.scrollIntoViewIfNeeded();
    await screenshot(page, 'playground-welcome-review');
    await review.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Account created for Liv Sandberg').last().waitFor({ timeout: 60_000 });

    // The reveal card, sent to the manager, is in this chat because the manager is Megan herself.
    const revealCard = page.locator('.ac-adaptiveCard', { hasText: 'Credentials for Liv Sandberg' }).last();
    await revealCard.waitFor({ timeout: 30_000 });
    expect(await revealCard.innerText()).not.toContain(upn);
    await revealCard.getByRole('button', { name: 'Reveal' }).click();
    const shown = page.locator('.ac-adaptiveCard', { hasText: 'Press Hide when done' }).last();
    await shown.waitFor({ timeout: 30_000 });
    const password = /Temporary password\s+(\S{16})/.exec(await shown.innerText())?.[1];
    const pass = /Temporary Access Pass\s+(\S+)/.exec(await shown.innerText())?.[1];
    if (!password || !pass) throw new Error('no password or pass on the revealed card');
    await shown.getByRole('button', { name: 'Hide' }).click();
    await page.locator('.ac-adaptiveCard', { hasText: /You revealed a temporary password and a Temporary Access Pass for Liv Sandberg at/ }).last().waitFor({ timeout: 30_000 });
    expect((await page.locator('body').innerText()).includes(password)).toBe(false);

    // The IT team's General channel: the ticket names the recipient and the welcome email.
    await page.getByText('General', { exact: true }).click();
    const ticket = page.locator('.ac-adaptiveCard', { hasText: `New account ready: Liv Sandberg` }).filter({ hasText: upn }).last();
    await ticket.waitFor({ timeout: 30_000 });
    const ticketText = await ticket.innerText();
    expect(ticketText).toContain('INC-4712');
    expect(ticketText).toMatch(/Credentials for\s+Megan Bowen \(the manager\)/);
    expect(ticketText).toContain(`Welcome email sent to ${personalEmail}.`);
    expect(ticketText).not.toContain(password);
    await ticket.scrollIntoViewIfNeeded();
    await screenshot(page, 'playground-welcome-ticket');

    // The local outbox: one new mail to the personal address, naming the user name, holding neither secret.
    const sent = (await outbox()).filter((mail) => !sentBefore.has(mail.id) && mail.toRecipients.some((to) => to.address === personalEmail));
    expect(sent).toHaveLength(1);
    const mail = sent[0]!;
    expect(mail.body.content).toContain(upn);
    for (const secret of [password, pass]) {
      expect(JSON.stringify(mail)).not.toContain(secret);
      expect(await localTenant(`/outbox/${mail.id}`)).not.toContain(secret);
    }
    // The mail as its recipient reads it, for the README.
    const reader = await chromium.browser.newPage();
    await reader.setViewportSize({ width: 760, height: 480 });
    const envelope = `<p style="font-family:sans-serif;color:#555">From ${mail.from}<br>To ${personalEmail}<br><b>${mail.subject}</b></p><hr>`;
    await reader.setContent(envelope + (await localTenant(`/outbox/${mail.id}`)));
    await screenshot(reader, 'playground-welcome-mail');
    await reader.close();
  });

  it('when the manager types issue 24\'s sentence about a contractor from Fabrikam, then the review offers the guest path, Invite guest makes exactly one guest with no password (read through Graph), the ticket names it, and the same request again shows the existing guest', async () => {
    const email = 'jane.doe@fabrikam.com';
    const guestUpn = 'jane.doe_fabrikam.com#EXT#@contoso.onmicrosoft.com';
    const sentence = `Jane Doe, contractor from Fabrikam, ${email}, Marketing, ticket INC-5100`;
    const guestsOf = async () => ((await graphGet(`/users?$filter=${encodeURIComponent(`mail eq '${email}'`)}&$select=id,userType,externalUserState,userPrincipalName`)) as { value: { id: string; userType: string; externalUserState: string; userPrincipalName: string }[] }).value;
    const before = await guestsOf();
    await page.getByText('Personal Chat', { exact: true }).first().click();
    await sendMessage(page, sentence);
    await page.getByText(`${email} is an address at another organisation, so I prepared a guest invitation`, { exact: false }).last().waitFor({ timeout: 30_000 });
    await page.getByLabel(/Business justification/).last().fill('Spring campaign contractor, three months.');
    await page.getByRole('button', { name: 'Check and review' }).last().click();

    if (before.length === 0) {
      // A fresh local tenant: the review says what a guest invitation means, and Invite makes one.
      const review = page.locator('.ac-adaptiveCard', { hasText: 'Check the guest invitation' }).last();
      await review.waitFor({ timeout: 30_000 });
      const reviewText = await review.innerText();
      expect(reviewText).toContain("No password: Jane Doe signs in with their own organisation's account");
      expect(reviewText).toContain(`Microsoft emails the invitation to ${email}`);
      await review.scrollIntoViewIfNeeded();
      await screenshot(page, 'playground-guest-review');
      await review.getByRole('button', { name: 'Invite guest' }).click();
      await page.getByText('Guest invited: Jane Doe').last().waitFor({ timeout: 60_000 });
      const made = await guestsOf();
      expect(made).toHaveLength(1);
      expect(made[0]).toMatchObject({ userType: 'Guest', externalUserState: 'PendingAcceptance', userPrincipalName: guestUpn });
      const manager = (await graphGet(`/users/${made[0]!.id}/manager?$select=userPrincipalName`)) as { userPrincipalName: string };
      expect(manager.userPrincipalName).toBe('megan.bowen@contoso.com');
      // No password anywhere: no reveal card for Jane Doe in this chat.
      expect(await page.locator('.ac-adaptiveCard', { hasText: 'Credentials for Jane Doe' }).count()).toBe(0);
      await page.getByText('General', { exact: true }).click();
      const ticket = page.locator('.ac-adaptiveCard', { hasText: 'Guest invited: Jane Doe' }).last();
      await ticket.waitFor({ timeout: 30_000 });
      const ticketText = await ticket.innerText();
      for (const fact of [guestUpn, 'not accepted yet', 'INC-5100']) expect(ticketText).toContain(fact);
      await ticket.scrollIntoViewIfNeeded();
      await screenshot(page, 'playground-guest-ticket');
      await page.getByText('Personal Chat', { exact: true }).first().click();
      await sendMessage(page, sentence);
      await page.getByText(`${email} is an address at another organisation`, { exact: false }).last().waitFor({ timeout: 30_000 });
      await page.getByLabel(/Business justification/).last().fill('Spring campaign contractor, three months.');
      await page.getByRole('button', { name: 'Check and review' }).last().click();
    }
    // The same request again (or a checkout whose local tenant kept Jane): the existing guest, nobody invited.
    await page.getByText(`${email} already has access here: Jane Doe (${guestUpn})`, { exact: false }).last().waitFor({ timeout: 30_000 });
    expect(await guestsOf()).toHaveLength(1);
  });

  it('when the person presses Ctrl-C in the npm start terminal, then every service stops and no process is left behind', async () => {
    const code = await stack.interrupt();
    // npm itself ends by the signal, as it does in a terminal; the launcher must have finished its shutdown.
    expect([0, 'SIGINT', 130]).toContain(code);
    expect(stack.launcher.output()).toContain('All services stopped.');
    for (const port of PORTS) expect(await isPortInUse(port), `port ${port} still in use`).toBe(false);
    const leftovers = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(projectRoot) && /\.local\/azurite|agentsplayground|local-tenant\/main|tsx src\/index\.ts$|start-local/.test(line));
    expect(leftovers).toEqual([]);
  });
});
