import type { Browser, Page } from 'playwright-core';
import webPush from 'web-push';

import { ApiTokensService } from '@app/auth';
import { AppConfig } from '@app/config';
import { RealtimePublisher } from '@app/notifications';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { httpRequest } from '../support/test-app';
import { seriousViolations } from './accessibility';
import { launchChromium, openPage, screenshot, signIn } from './web-page';

// Functions passed to page.evaluate run in the page; the tests compile without the DOM library.
declare const navigator: any;
declare const document: any;
declare const window: any;
declare const Notification: any;
declare const EventSource: any;

/** The registered service workers' script URLs. */
const workers = (page: Page): Promise<string[]> =>
  page.evaluate(async () =>
    (await navigator.serviceWorker.getRegistrations()).map(
      (r: any) => (r.active ?? r.waiting ?? r.installing)?.scriptURL ?? '',
    ),
  );

/** Makes the page believe its tab went to the background (or came back), as a tab switch does. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((isHidden) => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (isHidden ? 'hidden' : 'visible'),
    });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => isHidden });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** The page's notifications: service worker, manifest, toasts, badges, the status region. */
describe('web page notifications', () => {
  let flow: Flow;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    flow = await startFlow();
  });
  afterAll(async () => {
    await browser?.close();
    await flow?.close();
  });

  it('links a web app manifest (installable, standalone, the favicon as icon)', async () => {
    const html = await (await fetch(`${flow.api.url}/`)).text();
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest" />');
    const response = await fetch(`${flow.api.url}/manifest.webmanifest`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
    const manifest = (await response.json()) as Record<string, any>;
    expect(manifest).toMatchObject({ display: 'standalone', start_url: '/', scope: '/' });
    expect(manifest.icons[0]).toMatchObject({ src: '/favicon.svg', type: 'image/svg+xml' });
    const worker = await fetch(`${flow.api.url}/sw.js`);
    expect(worker.headers.get('service-worker-allowed')).toBe('/');
    expect(worker.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves events to a browser EventSource signed in by the session cookie alone', async () => {
    const { user } = await aUserWithCredits(flow.api.app, 0);
    const config = flow.api.app.get(AppConfig);
    const session = await flow.api.app
      .get(ApiTokensService)
      .startSession(user.id, config.accounts.sessionTtlMs);
    const { page, errors, close } = await openPage(browser);
    try {
      await page
        .context()
        .addCookies([
          { name: config.accounts.sessionCookie.name, value: session.token, url: flow.api.url },
        ]);
      await page.goto(flow.api.url);
      await page.locator('#account').waitFor({ state: 'visible' });
      await page.evaluate(() => {
        const w = window as { received: { id: string; data: string }[] };
        w.received = [];
        const source = new EventSource('/api/events/');
        source.onmessage = (event: any) =>
          w.received.push({ id: event.lastEventId, data: event.data });
      });
      await page.waitForFunction(() => window.received.length >= 1);
      const { id } = await flow.api.app.get(RealtimePublisher).publish({
        type: 'credits.updated',
        userId: user.id,
        balance: 7,
      } as never);
      await page.waitForFunction(() => window.received.length >= 2);
      const received = (await page.evaluate(() => window.received)) as {
        id: string;
        data: string;
      }[];
      expect(JSON.parse(received[0].data)).toMatchObject({ type: 'hello', user_id: user.id });
      expect(received[1]).toEqual({
        id,
        data: JSON.stringify({ id, type: 'credits.updated', balance: 7 }),
      });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("opens a notification's link (/#infograph=<id>) on that infographic, at load or into an open page", async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'How glaciers move' },
    });
    expect(created.status).toBe(201);
    const id = created.body.infographs[0].id as string;
    expect((await flow.waitForTerminal(token, id)).status).toBe('completed');
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.goto(`${flow.api.url}/#infograph=${id}`);
      const viewer = page.locator('#viewer');
      await viewer.waitFor({ state: 'visible' });
      expect(await page.locator('#viewer-title').textContent()).toBe('How glaciers move');
      // Taken off the address bar, like the mailed links.
      expect(new URL(page.url()).hash).toBe('');
      await viewer.getByRole('button', { name: 'Close' }).click();

      // A fresh load with the link (a notification opening a new window) shows it too.
      await page.goto('about:blank');
      await page.goto(`${flow.api.url}/#infograph=${id}`);
      await viewer.waitFor({ state: 'visible' });
      expect(await page.locator('#viewer-title').textContent()).toBe('How glaciers move');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('registers the service worker only after the first create, never on load', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    expect((await httpRequest(flow.api.url, 'GET', '/api/push/', { token })).body.enabled).toBe(
      false,
    );
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.locator('#connection[data-state="live"]').waitFor();
      expect(await workers(page)).toEqual([]);
      expect(await page.locator('#push-offer').isVisible()).toBe(false);

      await page.getByLabel('Prompt').fill('How bees make honey');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.locator('#recent-grid .card').first().waitFor();
      // `ready`: once the registration has an active worker (its installing and waiting workers
      // come and go while it installs).
      const active = await page.evaluate(
        async () => (await navigator.serviceWorker.ready).active?.scriptURL,
      );
      expect(active).toBe(`${flow.api.url}/sw.js`);
      expect(
        await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length),
      ).toBe(1);
      // Push is off on this server (no VAPID keys): nothing to offer (see the next describe).
      expect(await page.locator('#push-offer').isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('with the tab in the background: a toast, "(1)" in the title and the favicon; cleared on return', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.locator('#connection[data-state="live"]').waitFor();
      const title = await page.title();
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');

      await page.getByLabel('Prompt').fill('How tides work [sim:slow=1500]');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.locator('#recent-grid .card').first().waitFor();
      await setHidden(page, true);

      await page
        .locator('#recent-grid .card[data-status="completed"]')
        .waitFor({ timeout: 20_000 });
      const toast = page.locator('#toasts .toast');
      await toast.waitFor();
      expect(await toast.textContent()).toContain('Your infographic is ready: How tides work');
      await page.waitForFunction((base) => document.title === `(1) ${base}`, title);
      await page.waitForFunction(() =>
        document
          .querySelector('link[rel="icon"]')
          ?.getAttribute('href')
          ?.startsWith('data:image/png'),
      );
      // Screen readers hear it too.
      await page.waitForFunction(() =>
        document.getElementById('live-status')?.textContent?.includes('is ready'),
      );
      await screenshot(page, '40-toast-background', false);
      expect(await seriousViolations(page)).toEqual([]);

      await setHidden(page, false);
      expect(await page.title()).toBe(title);
      expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe(icon);
      await toast.getByRole('button', { name: 'Dismiss this message' }).click();
      expect(await toast.count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('while visible: announces completions and failures in the status region, with no badge', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const { page, errors, close } = await openPage(browser);
    const seen: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && /\/api\/infographs\/[^/]+\/seen\/$/.test(request.url())) {
        seen.push(request.url());
      }
    });
    try {
      await signIn(page, flow.api.url, token);
      await page.locator('#connection[data-state="live"]').waitFor();
      const title = await page.title();

      await page.getByLabel('Prompt').fill('How rain forms');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page
        .locator('#recent-grid .card[data-status="completed"]')
        .waitFor({ timeout: 20_000 });
      await page.waitForFunction(() =>
        document
          .getElementById('live-status')
          ?.textContent?.includes('Your infographic is ready: How rain forms'),
      );
      expect(await page.locator('#live-status').getAttribute('role')).toBe('status');
      expect(await page.title()).toBe(title);
      expect(await page.locator('#toasts .toast').count()).toBe(0);
      // Shown while visible: the server is told, so it can skip the e-mail.
      const id = await page.locator('#recent-grid .card').first().getAttribute('data-id');
      await waitUntil(() => seen.some((url) => url.includes(`/api/infographs/${id}/seen/`)));

      await page.getByLabel('Prompt').fill('A chart that will not render [sim:fail]');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.locator('#recent-grid .card[data-status="failed"]').waitFor({ timeout: 20_000 });
      await page.waitForFunction(() =>
        document
          .getElementById('live-status')
          ?.textContent?.includes('Your infographic failed: A chart that will not render'),
      );
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** With push on (VAPID keys set): the "Get notified" offer and the account's on/off switches. */
describe('web page notifications with push on', () => {
  let flow: Flow;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    const keys = webPush.generateVAPIDKeys();
    flow = await startFlow({
      VAPID_PUBLIC_KEY: keys.publicKey,
      VAPID_PRIVATE_KEY: keys.privateKey,
      VAPID_SUBJECT: 'mailto:ops@example.com',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await flow?.close();
  });

  it('offers "Get notified" after the first create (no dialog by itself), and "Not now" sticks', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const push = await httpRequest(flow.api.url, 'GET', '/api/push/', { token });
    if (push.status !== 200 || push.body.enabled !== true) {
      // The push half is not in this build: nothing to offer.
      return;
    }
    const { page, errors, close } = await openPage(browser);
    let asked = false;
    page.on('dialog', () => (asked = true));
    try {
      await signIn(page, flow.api.url, token);
      await page.locator('#connection[data-state="live"]').waitFor();
      expect(await page.locator('#push-offer').isVisible()).toBe(false);
      await page.getByLabel('Prompt').fill('How a compass works');
      await page.getByRole('button', { name: 'Generate' }).click();
      const offer = page.locator('#push-offer');
      await offer.waitFor({ state: 'visible' });
      expect(await offer.textContent()).toContain(
        'Get a notification when an infographic is ready',
      );
      expect(await page.evaluate(() => Notification.permission)).toBe('default');
      expect(asked).toBe(false);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, '41-push-offer', false);

      await page.getByRole('button', { name: 'Not now' }).click();
      expect(await offer.isVisible()).toBe(false);
      // Remembered: the next create on a new page does not offer again.
      await page.reload();
      await page.locator('#connection[data-state="live"]').waitFor();
      await page.getByLabel('Prompt').fill('How a lock works');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.locator('#recent-grid .card').first().waitFor();
      await page.waitForFunction(
        async () => (await navigator.serviceWorker.getRegistrations()).length > 0,
      );
      expect(await offer.isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('turns e-mail and push on and off in the account dialog', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const before = await httpRequest(flow.api.url, 'GET', '/api/me/notifications/', { token });
    if (before.status !== 200) {
      return;
    }
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.getByRole('button', { name: 'Account' }).click();
      const email = page.getByRole('checkbox', { name: /E-mail/ });
      await page.locator('#notify-section').waitFor({ state: 'visible' });
      expect(await email.isChecked()).toBe(before.body.email);
      await email.setChecked(!before.body.email);
      await page
        .locator('#notify-status')
        .getByText(/E-mails (on|off)/)
        .waitFor();
      const after = await httpRequest(flow.api.url, 'GET', '/api/me/notifications/', { token });
      expect(after.body).toEqual({ ...before.body, email: !before.body.email });
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, '42-account-notifications', false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
