import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { isPortInUse, projectRoot } from '../../scripts/local-services.js';
import { launchChromium, type HeadlessChromium } from './support/chromium.js';
import { npmStart, type LocalStack } from './support/local-stack.js';

const PORTS = [3978, 44300, 56150, 10000, 10001, 10002];
const HELP_TITLE = 'Onboarding — new Entra ID accounts';

async function sendMessage(page: Page, text: string) {
  const box = page.getByRole('textbox').first();
  await box.click();
  await box.fill(text);
  await page.keyboard.press('Enter');
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
    mkdirSync(`${projectRoot}build/screenshots`, { recursive: true });
    await page.screenshot({ path: `${projectRoot}build/screenshots/playground-help.png` });
  });

  it('when the person presses Ctrl-C in the npm start terminal, then every service stops and no process is left behind', async () => {
    const code = await stack.interrupt();
    expect(code).toBe(0);
    for (const port of PORTS) expect(await isPortInUse(port), `port ${port} still in use`).toBe(false);
    const leftovers = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(projectRoot) && /azurite|agentsplayground|local-tenant\/main|src\/index\.ts|start-local/.test(line));
    expect(leftovers).toEqual([]);
  });
});
