import type { Browser } from 'playwright-core';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { PHONE, expectBalance, launchChromium, openPage, screenshot, signIn } from './web-page';

/** The page at `/` in headless Chromium, against the real api, worker and fal-sim. */
describe('web page', () => {
  let flow: Flow;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    flow = await startFlow();
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await browser?.close();
    await flow?.close();
  });

  it('is served at / with a fresh index and long-cached hashed assets', async () => {
    const index = await fetch(`${flow.api.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="\/(app-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${flow.api.url}/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // The api's own routes are untouched.
    expect((await fetch(`${flow.api.url}/api/me/`)).status).toBe(401);
  });

  it('signs in with a token, creates two infographs and shows them going live to images', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 10);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.getByText(user.email).waitFor();
      await expectBalance(page, 10);
      await screenshot(page, '01-signed-in-desktop');

      // Slow enough that both cards are still working when checked below, even on a busy machine.
      await page.getByLabel('Prompt').fill('How solar panels work [sim:slow=5000]');
      await page.getByRole('radio', { name: '2K' }).check();
      await page
        .getByRole('group', { name: 'Images' })
        .getByRole('radio', { name: '2', exact: true })
        .check();
      expect(await page.locator('#create-cost').textContent()).toContain('2 credits');
      // Set before submitting: still there at the end proves the page never reloaded.
      await page.evaluate('window.__sameDocument = true');
      await page.getByRole('button', { name: 'Generate 2' }).click();

      const cards = page.locator('#recent-grid .card');
      await cards.nth(1).waitFor();
      expect(await cards.count()).toBe(2);
      expect(await page.locator('#recent-grid .card .card-working').count()).toBe(2);
      await expectBalance(page, 8);
      await screenshot(page, '02-processing-desktop');

      const images = page.locator('#recent-grid .card[data-status="completed"] img');
      await images.nth(1).waitFor({ timeout: 20_000 });
      expect(await images.count()).toBe(2);
      for (const img of await images.all()) {
        await expectLoaded(img);
      }
      const download = page.locator('#recent-grid .card').first().getByRole('link', {
        name: 'Download',
      });
      expect(await download.getAttribute('href')).toMatch(/\/files\/infographs\/.+\.png$/);
      // Named after the prompt, and saying which image it downloads.
      expect(await download.getAttribute('download')).toBe(
        'how-solar-panels-work-sim-slow-5000.png',
      );
      expect(await download.getAttribute('aria-label')).toBe(
        'Download How solar panels work [sim:slow=5000]',
      );
      expect(await page.evaluate('window.__sameDocument')).toBe(true);
      await expectBalance(page, 8);
      await screenshot(page, '03-completed-desktop');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows the server's validation message next to the field", async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.getByLabel('Prompt').fill('A chart of the seasons');
      await page.getByLabel(/Blog post URL/).fill('ftp://x');
      await page.getByRole('button', { name: 'Generate' }).click();

      const message = page.locator('#blog_url-error');
      await message.waitFor({ state: 'visible' });
      expect(await message.textContent()).toContain('http:// or https://');
      expect(await page.getByLabel(/Blog post URL/).getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#prompt-error').isVisible()).toBe(false);
      expect(await page.locator('#recent-grid .card').count()).toBe(0);
      await expectBalance(page, 3);
      await screenshot(page, '04-validation-desktop');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('shows why a generation failed and that its credits came back', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 4);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.getByLabel('Prompt').fill('An infographic that will not render [sim:fail]');
      await page.getByRole('button', { name: 'Generate' }).click();

      const failed = page.locator('#recent-grid .card[data-status="failed"]');
      await failed.waitFor({ timeout: 20_000 });
      // The server's words for people, never fal.ai's raw text.
      const id = (await failed.getAttribute('data-id')) as string;
      const status = await flow.api.request('GET', `/api/infographs/status/${id}/`, { token });
      expect(status.body.error_code).toBe('generation_failed');
      expect(await failed.locator('.card-reason').textContent()).toBe(status.body.error_message);
      expect(status.body.error_message).not.toMatch(/Invalid status code|fal\.ai/);
      expect(await failed.locator('.refund').textContent()).toBe('1 credit refunded');
      // Charged 1 on create, refunded on failure: the balance shown comes back to 4.
      await expectBalance(page, 4);
      await screenshot(page, '05-failed-desktop');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('holds Generate back while the balance is short, saying why and what fits', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await expectBalance(page, 3);
      const generate = page.locator('#create-submit');
      const reason = page.locator('#create-short-text');
      expect(await generate.isDisabled()).toBe(false);
      expect(await reason.textContent()).toBe('');

      await page.getByRole('radio', { name: '4K' }).check();
      await page
        .getByRole('group', { name: 'Images' })
        .getByRole('radio', { name: '2', exact: true })
        .check();
      expect(await generate.isDisabled()).toBe(true);
      expect(await reason.textContent()).toBe(
        'Not enough credits: these 2 images cost 4 credits and you have 3. 1 image fits your balance at 4K.',
      );
      // The reason is the button's description, for screen readers.
      expect(await generate.getAttribute('aria-describedby')).toBe('create-short-text');

      await page.getByRole('radio', { name: '1K' }).check();
      await page
        .getByRole('group', { name: 'Images' })
        .getByRole('radio', { name: '4', exact: true })
        .check();
      expect(await reason.textContent()).toContain('3 images fit your balance.');
      expect(await generate.isDisabled()).toBe(true);
      await screenshot(page, '09-short-desktop');

      await page
        .getByRole('group', { name: 'Images' })
        .getByRole('radio', { name: '3', exact: true })
        .check();
      expect(await generate.isDisabled()).toBe(false);
      expect(await reason.textContent()).toBe('');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('offers no purchase when payments are off', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 0);
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(flow.api.url);
      await page.locator('#price-list li').first().waitFor();
      // Prices and starter credits, and no pack.
      expect(await page.locator('#price-list li').count()).toBe(3);
      await signIn(page, flow.api.url, token);
      await expectBalance(page, 0);
      await page.locator('#create-short-text', { hasText: 'Not enough credits' }).waitFor();
      expect(await page.locator('#create-submit').isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Buy credits' }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('keeps cards updating by polling while the WebSocket is down', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 2);
    const { page, errors, close } = await openPage(browser);
    try {
      // Every socket the page opens is closed at once, as if a proxy dropped it.
      await page.routeWebSocket(/\/api\/ws/, (ws) => ws.close());
      await signIn(page, flow.api.url, token);
      await page.locator('#connection[data-state="polling"]').waitFor();

      await page.getByLabel('Prompt').fill('Offline but not out of date');
      await page.getByRole('button', { name: 'Generate' }).click();
      const done = page.locator('#recent-grid .card[data-status="completed"] img');
      await done.waitFor({ timeout: 20_000 });
      await expectLoaded(done);
      await expectBalance(page, 1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('pages through the history and filters it by status, on a phone', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 20);
    const prompts = ['Coffee around the world', 'The water cycle', 'How vaccines work'];
    const ids: string[] = [];
    for (const prompt of [...prompts, 'A doomed request [sim:fail]']) {
      const created = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt, number_of_infographs: prompt.includes('doomed') ? 1 : 4 },
      });
      expect(created.status).toBe(201);
      ids.push(...created.body.infographs.map((i: { id: string }) => i.id));
    }
    for (const id of ids) {
      await flow.waitForTerminal(token, id);
    }

    const { page, errors, close } = await openPage(browser, PHONE);
    try {
      await signIn(page, flow.api.url, token);
      const history = page.locator('#history-grid .card');
      await history.nth(11).waitFor();
      expect(await history.count()).toBe(12);
      await screenshot(page, '06-history-phone', false);
      await history.first().scrollIntoViewIfNeeded();
      await screenshot(page, '07-history-cards-phone', false);

      await page.getByRole('button', { name: 'Load more' }).click();
      await history.nth(12).waitFor();
      expect(await history.count()).toBe(13);
      expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(false);

      await page.getByLabel('Status').selectOption('failed');
      await page.locator('#history-grid .card[data-status="completed"]').first().waitFor({
        state: 'detached',
      });
      await history.first().waitFor();
      expect(await history.count()).toBe(1);
      expect(await history.first().getAttribute('data-status')).toBe('failed');
      await screenshot(page, '08-history-failed-phone');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

/** The image really decoded (not just an <img> pointing somewhere). */
async function expectLoaded(img: import('playwright-core').Locator): Promise<void> {
  await img.evaluate((node: any) =>
    node.complete && node.naturalWidth > 0 ? undefined : node.decode(),
  );
  expect(await img.evaluate((node: any) => node.naturalWidth as number)).toBeGreaterThan(0);
}
