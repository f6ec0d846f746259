import type { Browser, Page } from 'playwright-core';

import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { httpRequest } from '../support/test-app';
import {
  PASSWORD,
  PHONE,
  RESET_SUBJECT,
  VERIFY_SUBJECT,
  aVerifiedAccount,
  anEmail,
  expectBalance,
  fillSignIn,
  focusedId,
  launchChromium,
  mailedLink,
  onTestApi,
  openPage,
  screenshot,
  signInWithPassword,
} from './web-page';

/**
 * Accounts on the web page, in headless Chromium against the real api, worker, fal-sim and an
 * SMTP server on loopback: a visitor signs up, confirms by mail, signs in with a session cookie
 * and makes an infographic; wrong passwords, password reset, API keys, signing out, deleting.
 */
describe('web page: accounts', () => {
  let flow: Flow;
  let smtp: TestSmtpServer;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    smtp = await startSmtpServer();
    flow = await startFlow({
      SMTP_URL: smtp.url,
      STARTER_CREDITS: '3',
      // Every request here comes from 127.0.0.1: the throttles have their own e2e suite.
      ACCOUNT_REQUESTS_MAX_PER_IP: '10000',
      LOGIN_MAX_FAILURES_PER_IP: '10000',
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await browser?.close();
    await flow?.close();
    await smtp?.stop();
  });

  /** The page's message line. */
  const notice = (page: Page) => page.locator('#notice p');

  it('takes a new visitor from the first screen through sign-up and the mailed link to a finished infographic', async () => {
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(flow.api.url);
      // The first screen says what the product does, shows examples and the price.
      await page.getByRole('heading', { level: 1, name: /Infographics from a prompt/ }).waitFor();
      const examples = page.locator('#example-grid img');
      expect(await examples.count()).toBe(3);
      for (const img of await examples.all()) {
        expect(await img.getAttribute('alt')).toMatch(/^Example infographic: /);
        await img.evaluate((node: any) => (node.complete ? undefined : node.decode()));
        expect(await img.evaluate((node: any) => node.naturalWidth as number)).toBeGreaterThan(0);
      }
      const pricing = page.locator('#price-list');
      await pricing.getByText('1 credit per image at 1K or 2K, 2 credits at 4K.').waitFor();
      await pricing.getByText(/3 credits free when you confirm your e-mail address/).waitFor();
      // Payments are off in this file: no pack is offered.
      expect(await pricing.locator('li').count()).toBe(3);
      expect(await page.locator('#account').isVisible()).toBe(false);
      await screenshot(page, '10-first-screen-desktop');

      await page.getByRole('navigation').getByRole('button', { name: 'Create account' }).click();
      expect(await focusedId(page)).toBe('signup-title');
      await page.getByText('Confirm your e-mail address and get 3 credits').waitFor();
      const signup = page.locator('#view-signup');
      const email = anEmail();
      await signup.getByLabel('E-mail').fill(email);
      // A password the rules refuse: said beside the field, which gets the focus.
      await signup.getByLabel('Choose a password').fill('short');
      await signup.getByRole('button', { name: 'Create account' }).click();
      await page.locator('#signup-password-error', { hasText: 'at least 10 characters' }).waitFor();
      expect(await signup.getByLabel('Choose a password').getAttribute('aria-invalid')).toBe(
        'true',
      );
      expect(await focusedId(page)).toBe('signup-password');

      const before = smtp.messages.length;
      await signup.getByLabel('Choose a password').fill(PASSWORD);
      await signup.getByRole('button', { name: 'Create account' }).click();
      await notice(page).filter({ hasText: 'Check your e-mail' }).waitFor();
      // Sign-in comes next, with the address filled in; before the link it is refused.
      expect(await page.locator('#signin-email').inputValue()).toBe(email);
      await page.locator('#signin-password').fill(PASSWORD);
      await page.locator('#view-signin').getByRole('button', { name: 'Sign in' }).click();
      await page
        .locator('#signin-error', { hasText: 'Confirm your e-mail address first' })
        .waitFor();
      await screenshot(page, '11-unconfirmed-desktop');

      // The e-mail's link opens the page, which confirms the address and takes the token out of
      // the address bar.
      const { link } = await mailedLink(smtp, email, VERIFY_SUBJECT, before);
      expect(link.pathname).toBe('/');
      expect(link.hash).toMatch(/^#verify-email=/);
      const mailTab = await page.context().newPage();
      await mailTab.goto(onTestApi(flow.api.url, link));
      await notice(mailTab)
        .filter({ hasText: `${email} is confirmed: you can sign in.` })
        .waitFor();
      expect(mailTab.url()).toBe(`${flow.api.url}/`);

      await fillSignIn(mailTab, email, PASSWORD);
      await mailTab.locator('#account').waitFor();
      await mailTab.getByText(email).waitFor();
      await expectBalance(mailTab, 3);
      expect(await focusedId(mailTab)).toBe('prompt');
      // Live updates over the cookie session (the WebSocket ticket is a CSRF-checked POST).
      await mailTab.locator('#connection[data-state="live"]').waitFor();

      await mailTab.getByLabel('Prompt').fill('How bees make honey');
      await mailTab.getByRole('button', { name: 'Generate' }).click();
      const done = mailTab.locator('#recent-grid .card[data-status="completed"] img');
      await done.waitFor({ timeout: 20_000 });
      await expectBalance(mailTab, 2);
      await screenshot(mailTab, '12-first-infographic-desktop');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('says when the password is wrong, and stays on the sign-in form', async () => {
    const { email } = await aVerifiedAccount(flow.api.url, smtp);
    const { page, errors, close } = await openPage(browser);
    try {
      await page.goto(flow.api.url);
      await fillSignIn(page, email, 'not the password at all');
      const error = page.locator('#signin-error');
      await error.filter({ hasText: 'Wrong e-mail address or password.' }).waitFor();
      expect(await error.getAttribute('role')).toBe('alert');
      expect(await focusedId(page)).toBe('signin-password');
      expect(await page.locator('#signin-password').inputValue()).toBe('');
      expect(await page.locator('#app').isVisible()).toBe(false);
      expect((await page.context().cookies()).map((c) => c.name)).not.toContain('aig_session');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('resets a forgotten password from the mailed link, on a phone', async () => {
    const { email } = await aVerifiedAccount(flow.api.url, smtp);
    const { page, errors, close } = await openPage(browser, PHONE);
    try {
      await page.goto(flow.api.url);
      await screenshot(page, '13-first-screen-phone', false);
      await page.getByRole('button', { name: 'Forgot your password?' }).click();
      expect(await focusedId(page)).toBe('forgot-title');
      const before = smtp.messages.length;
      await page.locator('#view-forgot').getByLabel('E-mail').fill(email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await notice(page)
        .filter({ hasText: 'we sent it a link to choose a new password' })
        .waitFor();

      const { link } = await mailedLink(smtp, email, RESET_SUBJECT, before);
      expect(link.hash).toMatch(/^#reset-password=/);
      const mailTab = await page.context().newPage();
      await mailTab.goto(onTestApi(flow.api.url, link));
      await mailTab.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      expect(await focusedId(mailTab)).toBe('reset-title');
      expect(mailTab.url()).toBe(`${flow.api.url}/`);
      await mailTab.getByLabel('New password').fill('too short');
      await mailTab.getByRole('button', { name: 'Set the password' }).click();
      await mailTab.locator('#reset-error', { hasText: 'at least 10 characters' }).waitFor();

      const newPassword = 'purple elephants dance at noon';
      await mailTab.getByLabel('New password').fill(newPassword);
      await mailTab.getByRole('button', { name: 'Set the password' }).click();
      await notice(mailTab).filter({ hasText: 'Your password is changed' }).waitFor();

      await fillSignIn(mailTab, email, PASSWORD);
      await mailTab.locator('#signin-error', { hasText: 'Wrong e-mail address' }).waitFor();
      await fillSignIn(mailTab, email, newPassword);
      await mailTab.locator('#account').waitFor();
      await screenshot(mailTab, '14-after-reset-phone', false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('creates an API key shown once, which works until it is revoked', async () => {
    const { email, password } = await aVerifiedAccount(flow.api.url, smtp);
    const { page, errors, close } = await openPage(browser);
    try {
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: flow.api.url,
      });
      await signInWithPassword(page, flow.api.url, email, password);
      await page.getByRole('button', { name: 'Account' }).click();
      const dialog = page.getByRole('dialog', { name: 'Your account' });
      await dialog.waitFor();
      await dialog.getByText('No API keys yet.').waitFor();

      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.locator('#key-error', { hasText: 'Give the key a name' }).waitFor();
      await dialog.getByLabel('Key name').fill('laptop script');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      const value = dialog.getByLabel('New API key');
      await value.waitFor();
      const key = await value.inputValue();
      expect(key).toMatch(/^aig_/);
      expect(await focusedId(page)).toBe('key-value');
      await dialog.getByRole('button', { name: 'Copy' }).click();
      await dialog.getByText('Copied to the clipboard.').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
      const row = dialog.getByRole('listitem').filter({ hasText: 'laptop script' });
      await row.waitFor();
      expect(await row.textContent()).toContain(key.slice(0, 12));
      expect(await row.textContent()).not.toContain(key);
      await screenshot(page, '15-api-key-desktop', false);

      const me = await httpRequest(flow.api.url, 'GET', '/api/me/', { token: key });
      expect(me.status).toBe(200);
      expect(me.body.email).toBe(email);

      // Shown once: closing the dialog takes it off the page; the focus goes back to its button.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      // The dialog's close event (a task after it is hidden) takes the key off the page.
      await page.waitForFunction('document.getElementById("key-value").value === ""');
      expect(await page.locator('#key-value').inputValue()).toBe('');
      expect(await focusedId(page)).toBe('account-open');

      await page.getByRole('button', { name: 'Account' }).click();
      await row.getByRole('button', { name: 'Revoke laptop script' }).click();
      await row.getByRole('button', { name: 'Revoke key' }).click();
      await row.waitFor({ state: 'detached' });
      await dialog.getByText('laptop script is revoked.').waitFor();
      expect((await httpRequest(flow.api.url, 'GET', '/api/me/', { token: key })).status).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('signs out on the server: the cookie no longer opens the account', async () => {
    const { email, password } = await aVerifiedAccount(flow.api.url, smtp);
    const { page, errors, close } = await openPage(browser);
    try {
      await signInWithPassword(page, flow.api.url, email, password);
      const cookie = (await page.context().cookies()).find((c) => c.name === 'aig_session');
      expect(cookie?.httpOnly).toBe(true);
      // A reload keeps the session (the cookie), without asking for the password again.
      await page.reload();
      await page.locator('#account').waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await notice(page).filter({ hasText: 'You are signed out.' }).waitFor();
      expect(await page.locator('#app').isVisible()).toBe(false);
      expect(await focusedId(page)).toBe('landing-title');
      const after = await httpRequest(flow.api.url, 'GET', '/api/auth/session/', {
        headers: { cookie: `aig_session=${cookie!.value}` },
      });
      expect(after.status).toBe(401);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: /Infographics from a prompt/ }).waitFor();
      expect(await page.locator('#account').isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('deletes the account after asking for the password', async () => {
    const { email, password } = await aVerifiedAccount(flow.api.url, smtp);
    const { page, errors, close } = await openPage(browser);
    try {
      await signInWithPassword(page, flow.api.url, email, password);
      await page.getByRole('button', { name: 'Account' }).click();
      const dialog = page.getByRole('dialog', { name: 'Your account' });
      await dialog.getByLabel('Current password').fill('not my password!');
      await dialog.getByRole('button', { name: 'Delete my account' }).click();
      await dialog.locator('#delete-error', { hasText: 'not your current password' }).waitFor();
      expect(await focusedId(page)).toBe('delete-password');

      await dialog.getByLabel('Current password').fill(password);
      await dialog.getByRole('button', { name: 'Delete my account' }).click();
      await notice(page).filter({ hasText: 'Your account is deleted' }).waitFor();
      expect(await page.locator('#app').isVisible()).toBe(false);
      await fillSignIn(page, email, password);
      await page.locator('#signin-error', { hasText: 'Wrong e-mail address' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
