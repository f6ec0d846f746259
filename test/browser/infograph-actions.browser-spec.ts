import type { Browser, Page } from 'playwright-core';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { contrast, focusRing, seriousViolations } from './accessibility';
import {
  PHONE,
  expectBalance,
  focusedId,
  launchChromium,
  openPage,
  screenshot,
  signIn,
} from './web-page';

/**
 * A card's whole life on the page (cancel, delete, try again, variations, the viewer), the grid,
 * the history's words, and accessibility (axe-core on every main view, the focus ring, where the
 * focus goes), in headless Chromium against the real api, worker and fal-sim.
 */
describe('web page: what can be done with an infographic', () => {
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

  /** Created over HTTP and waited for: cards the history will show. */
  async function finished(
    token: string,
    body: Record<string, unknown>,
  ): Promise<{ id: string; status: string }[]> {
    const created = await flow.api.request('POST', '/api/infographs/create/', { token, body });
    expect(created.status).toBe(201);
    const ids = created.body.infographs.map((i: { id: string }) => i.id) as string[];
    return Promise.all(
      ids.map(async (id) => ({ id, status: (await flow.waitForTerminal(token, id)).status })),
    );
  }

  const card = (page: Page, id: string) => page.locator(`.card[data-id="${id}"]`);

  it('passes axe on the first screen, with a visible focus ring', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(flow.api.url);
      await page.locator('#view-signin').waitFor();
      await page.locator('#price-list li').first().waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect(await page.locator('h1').count()).toBeGreaterThan(0);

      // Keyboard focus on the sign-in button: a ring of at least 3:1 against what is behind it.
      await page.locator('#signin-password').focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent.trim()')).toBe('Sign in');
      const ring = await focusRing(page);
      expect(ring.width).toBeGreaterThanOrEqual(2);
      expect(contrast(ring.ring, ring.behind)).toBeGreaterThanOrEqual(3);
      await screenshot(page, '30-first-screen-focus', false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('cancels a running one and deletes it, keeping the prompt and moving the focus', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 5);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      // Signed in: the focus is where the work starts.
      expect(await focusedId(page)).toBe('prompt');
      await expectBalance(page, 5);

      const prompt = 'A slow one about tides [sim:slow=20000]';
      await page.getByLabel('Prompt').fill(prompt);
      await page.getByRole('button', { name: 'Generate' }).click();
      const working = page.locator('#recent-grid .card').first();
      await working.waitFor();
      const id = (await working.getAttribute('data-id')) as string;
      await expectBalance(page, 4);
      // The prompt stays for the next request; the focus goes to the new cards.
      expect(await page.getByLabel('Prompt').inputValue()).toBe(prompt);
      expect(await focusedId(page)).toBe('recent-title');
      expect(await working.locator('.card-date').textContent()).not.toBe('');
      // Where it is and for how long: the api's stage, and a clock that keeps counting.
      await working.locator('.card-working-text', { hasText: 'Generating…' }).waitFor();
      // …and about how long it has left (the submit's event and the status answer's eta_ms).
      await working
        .locator('.card-elapsed', { hasText: /^0:0[2-9] · (about \d+ s|almost done)$/ })
        .waitFor();

      // The keyboard focus ring on a chip, and on a card's button.
      await page.getByRole('radio', { name: '2K' }).focus();
      await page.keyboard.press('ArrowRight');
      const chipRing = await focusRing(page);
      expect(contrast(chipRing.ring, chipRing.behind)).toBeGreaterThanOrEqual(3);
      await page.keyboard.press('ArrowLeft');

      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, '31-working-card-desktop');

      await working
        .getByRole('button', { name: `Cancel ${'A slow one about tides'}`, exact: false })
        .click();
      await card(page, id).locator('.badge', { hasText: 'Cancelled' }).waitFor();
      expect(await card(page, id).getAttribute('data-status')).toBe('failed');
      expect(await card(page, id).getAttribute('data-cancelled')).toBe('');
      await expectBalance(page, 5);
      const status = await flow.api.request('GET', `/api/infographs/status/${id}/`, { token });
      expect(status.body.error_code).toBe('cancelled');
      expect(await card(page, id).locator('.card-reason').textContent()).toBe(
        status.body.error_message,
      );
      expect(await card(page, id).locator('.card-failure strong').textContent()).toBe('Cancelled');
      // The Cancel button is gone; the focus stayed on the card, on its first action.
      expect(
        await card(page, id).evaluate((node: any) =>
          node.contains(node.ownerDocument.activeElement),
        ),
      ).toBe(true);
      await screenshot(page, '32-cancelled-desktop');

      // Delete asks first, then the card (and the infograph) is gone.
      await card(page, id)
        .getByRole('button', { name: /^Delete / })
        .click();
      const confirm = card(page, id).getByRole('group', { name: /^Delete .*\?$/ });
      await confirm.waitFor();
      await screenshot(page, '33-delete-confirm-desktop', false);
      await confirm.getByRole('button', { name: /^Yes, delete/ }).click();
      await card(page, id).waitFor({ state: 'detached' });
      expect(
        (await flow.api.request('GET', `/api/infographs/status/${id}/`, { token })).status,
      ).toBe(404);
      expect(await page.locator('#recent').isHidden()).toBe(true);
      expect(await focusedId(page)).toBe('history-title');
      await expectBalance(page, 5);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('deletes an unfinished one straight away: cancelled and refunded first', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 2);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'Never mind this one [sim:slow=20000]' },
    });
    const id = created.body.infographs[0].id as string;
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await expectBalance(page, 1);
      await card(page, id)
        .getByRole('button', { name: /^Delete / })
        .click();
      await card(page, id)
        .getByRole('button', { name: /^Yes, delete/ })
        .click();
      await card(page, id).waitFor({ state: 'detached' });
      await expectBalance(page, 2);
      // The history is empty again, and says so.
      expect(await page.locator('#history-empty').textContent()).toBe('No infographics here yet.');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('tries a failed one again and makes variations of a finished one', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 10);
    const [done] = await finished(token, { prompt: 'Bees and flowers', aspect_ratio: '4:5' });
    const [broken] = await finished(token, { prompt: 'A doomed request [sim:fail]' });
    expect([done.status, broken.status]).toEqual(['completed', 'failed']);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await expectBalance(page, 9);
      const failed = card(page, broken.id);
      await failed.waitFor();
      const reason = await flow.api.request('GET', `/api/infographs/status/${broken.id}/`, {
        token,
      });
      expect(await failed.locator('.card-reason').textContent()).toBe(reason.body.error_message);
      expect(await failed.locator('.badge').textContent()).toBe('Failed');
      expect(await failed.getAttribute('data-cancelled')).toBeNull();

      // Every badge's word is one the status filter offers ("Failed or cancelled" offers two).
      const filterWords = (await page.locator('#history-filter option').allTextContents()).flatMap(
        (option) => option.toLowerCase().split(' or '),
      );
      for (const word of await page.locator('#history-grid .badge').allTextContents()) {
        expect(filterWords).toContain(word.toLowerCase());
      }

      await failed.getByRole('button', { name: 'Try again: A doomed request [sim:fail]' }).click();
      const recent = page.locator('#recent-grid .card');
      await recent.first().waitFor();
      expect(await recent.count()).toBe(1);
      expect(await recent.first().locator('.card-prompt').textContent()).toBe(
        'A doomed request [sim:fail]',
      );
      expect(await focusedId(page)).toBe('recent-title');
      // Charged like any create, and (this prompt fails again) refunded like any failure.
      await page.locator('#recent-grid .card[data-status="failed"]').waitFor({ timeout: 20_000 });
      await expectBalance(page, 9);

      await card(page, done.id)
        .getByRole('button', { name: 'Variations of Bees and flowers' })
        .click();
      await card(page, done.id).getByRole('button', { name: 'Make 3 variations' }).click();
      await recent.nth(3).waitFor();
      expect(await recent.count()).toBe(4);
      await expectBalance(page, 6);
      for (const variation of (await recent.all()).slice(0, 3)) {
        expect(await variation.locator('.card-spec').textContent()).toBe('4:5 · 1K');
      }
      const history = await flow.api.request('GET', '/api/infographs/?limit=20', { token });
      expect(
        history.body.items.filter((i: { prompt: string }) => i.prompt === 'Bees and flowers'),
      ).toHaveLength(4);
      await page.locator('#recent-grid .card[data-status="completed"]').nth(2).waitFor({
        timeout: 20_000,
      });
      await screenshot(page, '34-variations-desktop');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('shows a finished one in the viewer, with its prompt, date, size, link and download', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const prompt =
      'Café culture: how espresso, cappuccino and flat white differ, with the milk and coffee in each cup drawn to scale';
    const [done] = await finished(token, { prompt, aspect_ratio: '16:9', resolution: '2K' });
    const { page, errors, close } = await openPage(browser);
    try {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await signIn(page, flow.api.url, token);
      const opener = card(page, done.id).getByRole('link', { name: /^View Café culture/ });
      await opener.click();
      const viewer = page.getByRole('dialog');
      await viewer.waitFor();
      expect(await viewer.locator('#viewer-prompt').textContent()).toBe(prompt);
      expect(await viewer.locator('#viewer-date').textContent()).not.toBe('');
      await viewer.locator('#viewer-size', { hasText: / × \d+ px · 2K · 16:9$/ }).waitFor();
      await viewer.locator('#viewer-image').evaluate((img: any) => img.decode());

      const download = viewer.getByRole('link', { name: /^Download Café culture/ });
      const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
      expect(file.suggestedFilename()).toBe(
        'cafe-culture-how-espresso-cappuccino-and-flat-white-differ.png',
      );
      // The card's own download link is named the same way, and says what it downloads.
      expect(
        await card(page, done.id)
          .getByRole('link', { name: /^Download Café culture/, includeHidden: true })
          .getAttribute('download'),
      ).toBe('cafe-culture-how-espresso-cappuccino-and-flat-white-differ.png');

      await viewer.getByRole('button', { name: 'Copy link' }).click();
      await viewer.locator('#viewer-copied', { hasText: 'Link copied.' }).waitFor();
      const copied = String(await page.evaluate('navigator.clipboard.readText()'));
      expect(copied).toMatch(/^http:\/\/.+\/files\/infographs\/.+\.png$/);

      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, '35-viewer-desktop', false);

      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
      expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toMatch(
        /^View Café culture/,
      );
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('lays mixed ratios out without stretched cards, and says when a filter finds nothing', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 6);
    for (const aspect_ratio of ['9:16', '21:9', '1:1']) {
      await finished(token, { prompt: `A ${aspect_ratio} poster of the planets`, aspect_ratio });
    }
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      const cards = page.locator('#history-grid .card');
      await cards.nth(2).waitFor();
      for (const one of await cards.all()) {
        await one.locator('img').evaluate((img: any) => img.decode());
      }
      // Each card ends where its content ends: no card is stretched to its row's tallest.
      const gaps = await cards.evaluateAll((nodes: any[]) =>
        nodes.map(
          (node) =>
            node.getBoundingClientRect().bottom -
            node.querySelector('.card-body').getBoundingClientRect().bottom,
        ),
      );
      for (const gap of gaps) {
        expect(gap).toBeLessThanOrEqual(2);
      }
      await screenshot(page, '36-mixed-ratios-desktop');
      // The dark palette passes too (light fills get dark text there).
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, '38-dark-desktop', false);
      await page.emulateMedia({ colorScheme: 'light' });

      await page.getByLabel('Status').selectOption('pending');
      await page.locator('#history-empty').waitFor({ state: 'visible' });
      expect(await page.locator('#history-empty').textContent()).toBe(
        'No infographics with the status “Queued”.',
      );
      expect(await page.locator('#history-grid .card').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('brings the new card into view on a phone after Generate', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 2);
    const { page, errors, close } = await openPage(browser, PHONE);
    try {
      await signIn(page, flow.api.url, token);
      await page.getByLabel('Prompt').fill('Phones and their batteries [sim:slow=5000]');
      await page.getByRole('button', { name: 'Generate' }).click();
      const created = page.locator('#recent-grid .card').first();
      await created.waitFor();
      const box = await created.evaluate((node: any) => {
        const r = node.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, height: node.ownerDocument.defaultView.innerHeight };
      });
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.bottom).toBeLessThanOrEqual(box.height);
      await screenshot(page, '37-created-phone', false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('passes axe with the account dialog open', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.getByRole('button', { name: 'Account' }).click();
      await page.getByRole('dialog', { name: 'Your account' }).waitFor();
      await page.locator('#key-list:not([aria-busy])').waitFor({ state: 'attached' });
      expect(await seriousViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
