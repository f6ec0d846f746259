import type { Browser, Page } from 'playwright-core';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { StripeApiServer, StripeObject, startStripeApiServer } from '../support/stripe-api-server';
import { deliver, newWebhookSecret, stripeEvent } from '../support/stripe-events';
import {
  aVerifiedAccount,
  expectBalance,
  launchChromium,
  openPage,
  screenshot,
  signIn,
  signInWithPassword,
} from './web-page';

const PACKS = [
  { id: 'starter', name: 'Starter: 10 credits', credits: 10, price: 500, currency: 'usd' },
  { id: 'studio', name: 'Studio: 200 credits', credits: 200, price: 6000, currency: 'usd' },
];
const CHECKOUT_PAGE = /^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/;

/**
 * Buying credits on the web page: the real `stripe` SDK against the Stripe stand-in, Stripe's
 * hosted checkout page intercepted in the browser (the test plays the buyer), and the grant
 * delivered as Stripe delivers it, a signed `checkout.session.completed`.
 */
describe('web page: buying credits', () => {
  let flow: Flow;
  let smtp: TestSmtpServer;
  let stripe: StripeApiServer;
  let browser: Browser;
  const secret = newWebhookSecret();

  beforeAll(async () => {
    browser = await launchChromium();
    smtp = await startSmtpServer();
    stripe = await startStripeApiServer();
    flow = await startFlow({
      SMTP_URL: smtp.url,
      STARTER_CREDITS: '3',
      ACCOUNT_REQUESTS_MAX_PER_IP: '10000',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: secret,
      STRIPE_API_URL: stripe.url,
      CREDIT_PACKS: JSON.stringify(PACKS),
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await browser?.close();
    await flow?.close();
    await stripe?.stop();
    await smtp?.stop();
  });

  const notice = (page: Page) => page.locator('#notice p');

  /** Stripe's hosted page, played by the test: the buyer "pays" there. */
  async function interceptCheckout(page: Page): Promise<void> {
    await page.route(CHECKOUT_PAGE, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<!doctype html><title>Stripe Checkout (stand-in)</title><p>Pay here</p>',
      }),
    );
  }

  /** The session Stripe made for the checkout the page just went to. */
  function sessionAt(url: string): StripeObject {
    const session = [...stripe.sessions.values()].find((s) => s.url === url);
    if (!session) {
      throw new Error(`no Checkout Session has the URL ${url}`);
    }
    return session;
  }

  /** Where Stripe sends the buyer back, on the test api (PUBLIC_API_URL is another port). */
  const backOnTestApi = (returnUrl: string): string => {
    const back = new URL(returnUrl);
    return `${flow.api.url}${back.pathname}${back.search}`;
  };

  it('buys a pack: Buy credits, Stripe’s checkout, back to the page, and the paid credits appear', async () => {
    const { email, password } = await aVerifiedAccount(flow.api.url, smtp);
    const { page, errors, close } = await openPage(browser);
    try {
      // The first screen lists the packs with their prices.
      await page.goto(flow.api.url);
      await page.locator('#price-list').getByText('Starter: 10 credits: $5.00.').waitFor();
      await page.locator('#price-list').getByText('Studio: 200 credits: $60.00.').waitFor();

      await signInWithPassword(page, flow.api.url, email, password);
      await expectBalance(page, 3);
      await interceptCheckout(page);
      await page.getByRole('navigation').getByRole('button', { name: 'Buy credits' }).click();
      const dialog = page.getByRole('dialog', { name: 'Buy credits' });
      await dialog.waitFor();
      await screenshot(page, '20-buy-credits-desktop', false);
      await dialog.getByRole('button', { name: /Starter: 10 credits/ }).click();

      await page.waitForURL(CHECKOUT_PAGE);
      const session = sessionAt(page.url());
      expect(session.metadata).toMatchObject({ pack_id: 'starter', credits: '10' });
      const purchaseId = session.metadata.purchase_id as string;
      expect(session.success_url).toMatch(/\/\?checkout=success&purchase=/);

      // Paid: Stripe sends the buyer back before (or after) it tells the api.
      await page.goto(backOnTestApi(session.success_url as string));
      await notice(page).filter({ hasText: 'as soon as Stripe confirms the payment' }).waitFor();
      expect(page.url()).toBe(`${flow.api.url}/`);
      await expectBalance(page, 3);

      // The balance must come by the socket's `credits.updated`, not by asking: once the page is
      // live, reading the balance fails, so only the event can show the new one.
      await page.locator('#connection[data-state="live"]').waitFor();
      await page.route(
        (url) => url.pathname === '/api/credits/' || url.pathname === '/api/credits',
        (route) => route.abort(),
      );
      const delivered = await deliver(
        flow.api.url,
        stripeEvent('checkout.session.completed', stripe.completeSession(session.id as string)),
        secret,
      );
      expect(delivered.body).toMatchObject({ outcome: 'granted' });
      await expectBalance(page, 13);
      await notice(page).filter({ hasText: '10 credits added to your balance.' }).waitFor();
      const purchases = await flow.api.dataSource.query<{ id: string; status: string }[]>(
        `SELECT id, status FROM credit_purchases WHERE id = $1`,
        [purchaseId],
      );
      expect(purchases).toEqual([{ id: purchaseId, status: 'paid' }]);
      await screenshot(page, '21-credits-bought-desktop', false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('says nothing was charged when the buyer comes back from a cancelled checkout', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 2);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await page.goto(
        `${flow.api.url}/?checkout=cancel&purchase=0b9e4c1a-5d2f-4f8e-9a51-7e0c2b1d3f44`,
      );
      await notice(page).filter({ hasText: 'Checkout cancelled: nothing was charged.' }).waitFor();
      expect(page.url()).toBe(`${flow.api.url}/`);
      await expectBalance(page, 2);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('offers to buy when the balance is short, and says so when Stripe cannot be reached', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 0);
    const { page, errors, close } = await openPage(browser);
    try {
      await signIn(page, flow.api.url, token);
      await expectBalance(page, 0);
      expect(await page.locator('#create-submit').isDisabled()).toBe(true);
      await page
        .locator('#create-short-text', { hasText: 'Not even one image fits your balance.' })
        .waitFor();
      await page.locator('#create-short').getByRole('button', { name: 'Buy credits' }).click();
      const dialog = page.getByRole('dialog', { name: 'Buy credits' });
      await dialog.waitFor();

      // Stripe down (and the SDK's two retries with it): the dialog says so and stays usable.
      stripe.failNext(3, 500);
      const starter = dialog.getByRole('button', { name: /Starter: 10 credits/ });
      await starter.click();
      await dialog.locator('#buy-error', { hasText: 'payment provider is unavailable' }).waitFor();
      expect(await starter.isDisabled()).toBe(false);
      expect(await starter.evaluate((node: any) => node === node.ownerDocument.activeElement)).toBe(
        true,
      );
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
