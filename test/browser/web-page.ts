import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { defaultWebRoot } from '../../apps/api/src/web/web-assets';
import type { ReceivedMail, TestSmtpServer } from '../support/smtp-server';
import { httpRequest } from '../support/test-app';

/** Debian's package; never a browser downloaded by playwright. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'web');

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** Fails early, saying what to do, when the page is not built or Chromium is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(join(defaultWebRoot(), 'index.html'))) {
    throw new Error(
      'The web page is not built: run `node apps/web/build.mjs` (or `npm run build`).',
    );
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`,
    );
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh page (own localStorage) that fails the test on any script error. */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors, close: () => context.close() };
}

/**
 * Connects with an API token (the first screen's "Use an API token" disclosure, for developers)
 * and waits until the account bar shows the user.
 */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByText('Use an API token').click();
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.locator('#account').waitFor({ state: 'visible' });
}

/** Signs in with e-mail and password on the first screen; waits for the account bar. */
export async function signInWithPassword(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(baseUrl);
  await fillSignIn(page, email, password);
  await page.locator('#account').waitFor({ state: 'visible' });
}

/** Fills and sends the sign-in form (the page must show it). */
export async function fillSignIn(page: Page, email: string, password: string): Promise<void> {
  const form = page.locator('#view-signin');
  await form.getByLabel('E-mail').fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** The id of the element that has the focus. */
export async function focusedId(page: Page): Promise<string> {
  return String(await page.evaluate('document.activeElement ? document.activeElement.id : ""'));
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** Waits until the balance shown is `credits`. */
export async function expectBalance(page: Page, credits: number): Promise<void> {
  await page
    .locator('#balance-value', { hasText: new RegExp(`^${credits}$`) })
    .waitFor({ timeout: 15_000 });
}

export const PASSWORD = 'correct horse battery staple';
export const VERIFY_SUBJECT = 'Confirm your e-mail address for ainfographic';
export const RESET_SUBJECT = 'Reset your ainfographic password';

let accounts = 0;
/** A fresh address per test (a file's database is shared by its tests). */
export const anEmail = (label = 'visitor'): string =>
  `${label}-${Date.now()}-${accounts++}@example.test`;

/** The link in the newest mail to `to` with `subject` that arrived after the `after`-th mail. */
export async function mailedLink(
  smtp: TestSmtpServer,
  to: string,
  subject: string,
  after = 0,
): Promise<{ link: URL; mail: ReceivedMail }> {
  const mail = await smtp.waitForMessage(
    (m) => m.envelopeTo.includes(to) && m.subject === subject && smtp.messages.indexOf(m) >= after,
    10_000,
  );
  const link = /https?:\/\/\S+#(?:verify-email|reset-password)=[A-Za-z0-9_-]+/.exec(
    mail.text ?? '',
  );
  if (!link) {
    throw new Error(`no link in the mail: ${mail.text}`);
  }
  return { link: new URL(link[0]), mail };
}

/**
 * The page's address for a mailed link: the mail points at PUBLIC_API_URL, which in tests is not
 * where the in-process api listens, so the link's path and fragment are opened on the test api.
 */
export const onTestApi = (baseUrl: string, link: URL): string =>
  `${baseUrl}${link.pathname}${link.search}${link.hash}`;

/** A confirmed account made over HTTP (sign-up, the mailed token, verify): for tests about later steps. */
export async function aVerifiedAccount(
  baseUrl: string,
  smtp: TestSmtpServer,
): Promise<{ email: string; password: string }> {
  const email = anEmail('member');
  const after = smtp.messages.length;
  const signup = await httpRequest(baseUrl, 'POST', '/api/auth/signup/', {
    body: { email, password: PASSWORD },
  });
  if (signup.status !== 202) {
    throw new Error(`sign-up answered ${signup.status}: ${JSON.stringify(signup.body)}`);
  }
  const { link } = await mailedLink(smtp, email, VERIFY_SUBJECT, after);
  const token = link.hash.replace('#verify-email=', '');
  const verified = await httpRequest(baseUrl, 'POST', '/api/auth/verify/', { body: { token } });
  if (verified.status !== 200) {
    throw new Error(`verify answered ${verified.status}: ${JSON.stringify(verified.body)}`);
  }
  return { email, password: PASSWORD };
}
