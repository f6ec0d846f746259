import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApiTokensService } from '@app/auth';
import { QUEUES } from '@app/queues';
import { OBJECT_STORAGE, ObjectStorage } from '@app/storage';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';

import { aUserWithCredits } from '../support/factories';
import { issuedWebhookPath } from '../support/fal-webhook-signing';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { ReceivedMail, TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { TestApi, TestResponse, httpRequest, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const PASSWORD = 'correct horse battery staple';
const VERIFY_SUBJECT = 'Confirm your e-mail address for ainfographic';
const EXISTS_SUBJECT = 'Someone tried to sign up with your e-mail address';
const RESET_SUBJECT = 'Reset your ainfographic password';
const CHANGED_SUBJECT = 'Your ainfographic password was changed';

let counter = 0;
/** A fresh address per test (the file's database is shared by its tests). */
const anEmail = (label = 'user') => `${label}-${Date.now()}-${counter++}@example.test`;

/** A browser's view of one account: its session cookie and the CSRF token that goes with it. */
interface Browser {
  cookie: string;
  csrf: string;
  userId: string;
}

/** The mailed token of the newest mail to `to` with `subject`, once it has arrived. */
async function mailedToken(
  smtp: TestSmtpServer,
  to: string,
  subject: string,
  after = 0,
): Promise<{ token: string; mail: ReceivedMail }> {
  const mail = await smtp.waitForMessage(
    (m) => m.envelopeTo.includes(to) && m.subject === subject && smtp.messages.indexOf(m) >= after,
    10_000,
  );
  const token = /#(?:verify-email|reset-password)=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
  if (!token) {
    throw new Error(`no link in the mail: ${mail.text}`);
  }
  return { token, mail };
}

/** `name=value` of the response's Set-Cookie for the session, or undefined. */
function sessionSetCookie(res: TestResponse): string | undefined {
  return res.headers.getSetCookie().find((c) => /^(__Host-)?aig_session=/.test(c));
}

function cookieHeader(res: TestResponse): string {
  const set = sessionSetCookie(res);
  if (!set) {
    throw new Error(`no session cookie set: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return set.split(';')[0];
}

describe('accounts: sign-up, sign-in, sessions, API keys, reset', () => {
  let smtp: TestSmtpServer;
  let api: TestApi;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    api = await startTestApi({
      SMTP_URL: smtp.url,
      STARTER_CREDITS: '3',
      // Every request here comes from 127.0.0.1: the throttles get their own suite below.
      ACCOUNT_REQUESTS_MAX_PER_IP: '10000',
      LOGIN_MAX_FAILURES_PER_IP: '10000',
    });
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(async () => {
    await api.close();
    await smtp.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api.request('POST', path, { body, headers });

  const withSession = (browser: Browser, csrf = browser.csrf) => ({
    cookie: browser.cookie,
    'x-csrf-token': csrf,
  });

  async function signUp(email: string, password = PASSWORD): Promise<string> {
    const after = smtp.messages.length;
    expect((await post('/api/auth/signup/', { email, password })).status).toBe(202);
    return (await mailedToken(smtp, email, VERIFY_SUBJECT, after)).token;
  }

  async function login(email: string, password = PASSWORD): Promise<Browser> {
    const res = await post('/api/auth/login/', { email, password });
    expect(res.status).toBe(200);
    return { cookie: cookieHeader(res), csrf: res.body.csrf_token, userId: res.body.user.id };
  }

  async function signedIn(email = anEmail()): Promise<Browser & { email: string }> {
    const token = await signUp(email);
    expect((await post('/api/auth/verify/', { token })).status).toBe(200);
    return { ...(await login(email)), email };
  }

  async function balanceOf(userId: string): Promise<number> {
    const [row] = await api.dataSource.query<{ balance: number }[]>(
      `SELECT balance FROM users WHERE id = $1`,
      [userId],
    );
    return row.balance;
  }

  describe('sign-up and verification', () => {
    it('mails a link, refuses sign-in until it is used, then grants the starter credits once', async () => {
      const email = anEmail();
      const signup = await post('/api/auth/signup/', {
        email: email.toUpperCase(),
        password: PASSWORD,
      });
      expect(signup.status).toBe(202);
      expect(signup.body.message).toMatch(/Check your e-mail/);
      const { token, mail } = await mailedToken(smtp, email, VERIFY_SUBJECT);
      expect(mail.text).toContain(`${api.config.api.publicUrl}/#verify-email=${token}`);

      const early = await post('/api/auth/login/', { email, password: PASSWORD });
      expect(early.status).toBe(403);
      expect(early.body).toMatchObject({ code: 'email_not_verified' });
      expect(sessionSetCookie(early)).toBeUndefined();
      // Only the right password learns that the account waits for verification.
      const wrong = await post('/api/auth/login/', { email, password: 'not the password!' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('invalid_credentials');

      const verified = await post('/api/auth/verify/', { token });
      expect(verified.status).toBe(200);
      expect(verified.body.message).toContain(email);
      const again = await post('/api/auth/verify/', { token });
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('link_used');

      const browser = await login(email);
      expect(await balanceOf(browser.userId)).toBe(3);
      const grants = await api.dataSource.query<{ amount: number; reference: string }[]>(
        `SELECT amount, reference FROM credit_ledger WHERE user_id = $1`,
        [browser.userId],
      );
      expect(grants).toEqual([{ amount: 3, reference: `starter:${browser.userId}` }]);
    });

    it('grants the starter credits once even when two clicks of the link race', async () => {
      const email = anEmail();
      const token = await signUp(email);
      const answers = await Promise.all([1, 2, 3].map(() => post('/api/auth/verify/', { token })));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
      const browser = await login(email);
      expect(await balanceOf(browser.userId)).toBe(3);
    });

    it('answers a sign-up with a taken address exactly like a new one, and mails its owner', async () => {
      const taken = await signedIn();
      const fresh = await post('/api/auth/signup/', { email: anEmail(), password: PASSWORD });
      const after = smtp.messages.length;
      const again = await post('/api/auth/signup/', {
        email: taken.email,
        password: 'an attacker password 1',
      });
      expect(again.status).toBe(fresh.status);
      expect(again.body).toEqual(fresh.body);
      const { mail } = await mailedToken(smtp, taken.email, EXISTS_SUBJECT, after);
      expect(mail.text).toContain('already has an account');
      // The account is untouched: its password is still the owner's.
      expect(
        (await post('/api/auth/login/', { email: taken.email, password: 'an attacker password 1' }))
          .status,
      ).toBe(401);
      await login(taken.email);
    });

    it('sends an unconfirmed account’s owner a reset link on a second sign-up, never a new password', async () => {
      const email = anEmail();
      await signUp(email, 'first password 1234');
      const after = smtp.messages.length;
      expect((await post('/api/auth/signup/', { email, password: PASSWORD })).status).toBe(202);
      const { token } = await mailedToken(smtp, email, EXISTS_SUBJECT, after);
      // Following that link finishes the sign-up: it verifies the address and grants once.
      const reset = await post('/api/auth/password-reset/confirm/', { token, password: PASSWORD });
      expect(reset.status).toBe(200);
      const browser = await login(email);
      expect(await balanceOf(browser.userId)).toBe(3);
    });

    it.each([
      [
        { email: 'not-an-address', password: PASSWORD },
        400,
        'validation_failed',
        /email must be an e-mail/,
      ],
      [{ email: anEmail(), password: 'short1!' }, 400, 'password_too_short', /at least 10/],
      [
        { email: 'ada.lovelace@example.test', password: 'ada.lovelace-2024' },
        400,
        'password_contains_email',
        /e-mail/,
      ],
      [{ email: anEmail(), password: 'Password2024!' }, 400, 'password_too_common', /common/],
      [{ email: anEmail(), password: 'aaaaaaaaaaaaaaaa' }, 400, 'password_too_simple', /pattern/],
      [
        { email: anEmail(), password: PASSWORD, extra: 1 },
        400,
        'validation_failed',
        /unknown field/,
      ],
    ])('refuses %j with %i and code %s', async (body, status, code, message) => {
      const res = await post('/api/auth/signup/', body);
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    });

    it('refuses a link that is unknown, expired or for something else, each with its code', async () => {
      expect((await post('/api/auth/verify/', { token: 'x'.repeat(43) })).body.code).toBe(
        'link_invalid',
      );
      expect((await post('/api/auth/verify/', { token: 'short' })).body.code).toBe('link_invalid');
      const email = anEmail();
      const token = await signUp(email);
      await api.dataSource.query(
        `UPDATE email_tokens SET expires_at = now() - interval '1 second'
          WHERE user_id = (SELECT id FROM users WHERE email = $1)`,
        [email],
      );
      const expired = await post('/api/auth/verify/', { token });
      expect(expired.status).toBe(400);
      expect(expired.body.code).toBe('link_expired');
      // A verification token is no reset token.
      const asReset = await post('/api/auth/password-reset/confirm/', {
        token,
        password: PASSWORD,
      });
      expect(asReset.body.code).toBe('link_invalid');
    });

    it('re-sends a verification link, answering the same for any address', async () => {
      const email = anEmail();
      await signUp(email);
      const after = smtp.messages.length;
      const known = await post('/api/auth/verify/resend/', { email });
      const unknown = await post('/api/auth/verify/resend/', { email: anEmail('nobody') });
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(unknown.body).toEqual(known.body);
      const { token } = await mailedToken(smtp, email, VERIFY_SUBJECT, after);
      expect((await post('/api/auth/verify/', { token })).status).toBe(200);
    });
  });

  describe('sign-in, sessions and CSRF', () => {
    it('sets an httpOnly, SameSite=Lax session cookie (not Secure on plain-http development)', async () => {
      const email = anEmail();
      const token = await signUp(email);
      await post('/api/auth/verify/', { token });
      const res = await post('/api/auth/login/', { email, password: PASSWORD });
      expect(res.status).toBe(200);
      const set = sessionSetCookie(res)!;
      expect(set).toMatch(/^aig_session=aig_[A-Za-z0-9_-]{43};/);
      expect(set).toMatch(/; HttpOnly/);
      expect(set).toMatch(/; SameSite=Lax/);
      expect(set).toMatch(/; Path=\//);
      expect(set).toMatch(/; Max-Age=604800/);
      expect(set).not.toMatch(/Secure/);
      expect(res.body).toEqual({
        user: expect.objectContaining({ email, balance: 3, is_admin: false }),
        csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
    });

    it('takes sign-ins as JSON only, so another site’s form cannot sign a visitor in (login CSRF)', async () => {
      const { email } = await signedIn();
      const form = new URLSearchParams({ email, password: PASSWORD }).toString();
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        const res = await api.request('POST', '/api/auth/login/', {
          body: form,
          headers: { 'content-type': type },
        });
        expect(res.status).toBe(415);
        expect(res.body.code).toBe('json_required');
        expect(sessionSetCookie(res)).toBeUndefined();
      }
    });

    it('answers the session with the same CSRF token, and reads with the cookie need none', async () => {
      const browser = await signedIn();
      const session = await api.request('GET', '/api/auth/session/', {
        headers: { cookie: browser.cookie },
      });
      expect(session.status).toBe(200);
      expect(session.body.csrf_token).toBe(browser.csrf);
      const me = await api.request('GET', '/api/me/', { headers: { cookie: browser.cookie } });
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(browser.userId);
    });

    it('refuses a cookie write without the CSRF token, or with another session’s, with 403 and a code', async () => {
      const browser = await signedIn();
      const other = await signedIn();
      const missing = await api.request('POST', '/api/ws/ticket/', {
        headers: { cookie: browser.cookie },
      });
      expect(missing.status).toBe(403);
      expect(missing.body.code).toBe('csrf_token_missing');
      const foreign = await api.request('POST', '/api/ws/ticket/', {
        headers: withSession(browser, other.csrf),
      });
      expect(foreign.status).toBe(403);
      expect(foreign.body.code).toBe('csrf_token_invalid');
      const create = await api.request('POST', '/api/infographs/create/', {
        headers: { cookie: browser.cookie },
        body: { prompt: 'no token, no charge' },
      });
      expect(create.status).toBe(403);
      expect(await balanceOf(browser.userId)).toBe(3);

      const ticket = await api.request('POST', '/api/ws/ticket/', {
        headers: withSession(browser),
      });
      expect(ticket.status).toBe(201);
      expect(ticket.body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('needs no CSRF token with an API key in the Authorization header', async () => {
      const { token } = await aUserWithCredits(api.app, 0);
      const ticket = await api.request('POST', '/api/ws/ticket/', { token });
      expect(ticket.status).toBe(201);
      const session = await api.request('GET', '/api/auth/session/', { token });
      expect(session.body.csrf_token).toBeNull();
    });

    it('tells a request without credentials how to sign in or get an API key', async () => {
      const res = await api.request('GET', '/api/me/');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('not_authenticated');
      expect(res.body.message).toMatch(/sign in/);
      expect(res.body.message).toMatch(/Authorization: Token <api key>/);
      expect(res.body.message).not.toMatch(/npm run cli/);
    });

    it('starts a fresh session at every sign-in and ends the one the browser held', async () => {
      const first = await signedIn();
      const res = await post(
        '/api/auth/login/',
        { email: first.email, password: PASSWORD },
        {
          cookie: first.cookie,
        },
      );
      expect(res.status).toBe(200);
      const second = cookieHeader(res);
      expect(second).not.toBe(first.cookie);
      expect(res.body.csrf_token).not.toBe(first.csrf);
      const old = await api.request('GET', '/api/me/', { headers: { cookie: first.cookie } });
      expect(old.status).toBe(401);
      expect(old.body.code).toBe('session_ended');
      expect((await api.request('GET', '/api/me/', { headers: { cookie: second } })).status).toBe(
        200,
      );
    });

    it('signs out on the server: the session is revoked and the cookie cleared', async () => {
      const browser = await signedIn();
      const forced = await api.request('POST', '/api/auth/logout/', {
        headers: { cookie: browser.cookie },
      });
      expect(forced.status).toBe(403);
      expect(forced.body.code).toBe('csrf_token_missing');

      const out = await api.request('POST', '/api/auth/logout/', { headers: withSession(browser) });
      expect(out.status).toBe(204);
      expect(sessionSetCookie(out)).toMatch(/^aig_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
      const after = await api.request('GET', '/api/me/', { headers: { cookie: browser.cookie } });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('session_ended');
      const [row] = await api.dataSource.query<{ revoked: boolean }[]>(
        `SELECT revoked_at IS NOT NULL AS revoked FROM api_tokens
          WHERE user_id = $1 AND kind = 'session'`,
        [browser.userId],
      );
      expect(row.revoked).toBe(true);
      // Signing out again (or with no cookie at all) is harmless.
      expect((await api.request('POST', '/api/auth/logout/')).status).toBe(204);
    });

    it('refuses an expired session', async () => {
      const browser = await signedIn();
      await api.dataSource.query(
        `UPDATE api_tokens SET expires_at = now() - interval '1 second'
          WHERE user_id = $1 AND kind = 'session'`,
        [browser.userId],
      );
      const res = await api.request('GET', '/api/me/', { headers: { cookie: browser.cookie } });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('session_ended');
    });

    it('answers a wrong password and an unknown address alike, in about the same time', async () => {
      const { email } = await signedIn();
      const time = async (body: object) => {
        const start = Date.now();
        const res = await post('/api/auth/login/', body);
        return { res, ms: Date.now() - start };
      };
      const wrong = await time({ email, password: 'wrong password 123' });
      const unknown = await time({ email: anEmail('nobody'), password: 'wrong password 123' });
      expect(unknown.res.status).toBe(wrong.res.status);
      // The same answer but for the request's own id.
      expect({ ...unknown.res.body, request_id: 'id' }).toEqual({
        ...wrong.res.body,
        request_id: 'id',
      });
      // Both pay for one scrypt (tens of ms); without the dummy hash an unknown address would
      // answer in a few.
      expect(unknown.ms).toBeGreaterThan(wrong.ms / 3);
    });
  });

  describe('API keys', () => {
    it('creates a key shown once, lists keys without secrets or sessions, and revokes them', async () => {
      const browser = await signedIn();
      const created = await api.request('POST', '/api/tokens/', {
        headers: withSession(browser),
        body: { name: '  laptop script  ' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: 'laptop script',
        prefix: created.body.token.slice(0, 12),
        created_at: expect.any(String),
        last_used_at: null,
        token: expect.stringMatching(/^aig_[A-Za-z0-9_-]{43}$/),
      });
      const key = created.body.token as string;
      expect((await api.request('GET', '/api/me/', { token: key })).body.id).toBe(browser.userId);

      const listed = await api.request('GET', '/api/tokens/', {
        headers: { cookie: browser.cookie },
      });
      expect(listed.status).toBe(200);
      expect(listed.body.api_keys).toEqual([
        {
          id: created.body.id,
          name: 'laptop script',
          prefix: created.body.prefix,
          created_at: created.body.created_at,
          last_used_at: expect.any(String),
        },
      ]);
      expect(JSON.stringify(listed.body)).not.toContain(key.slice(12));

      const revoked = await api.request('DELETE', `/api/tokens/${created.body.id}/`, {
        headers: withSession(browser),
      });
      expect(revoked.status).toBe(204);
      expect((await api.request('GET', '/api/me/', { token: key })).status).toBe(401);
      expect(
        (await api.request('GET', '/api/tokens/', { headers: { cookie: browser.cookie } })).body
          .api_keys,
      ).toEqual([]);
      const twice = await api.request('DELETE', `/api/tokens/${created.body.id}/`, {
        headers: withSession(browser),
      });
      expect(twice.status).toBe(404);
    });

    it('answers 404 for another user’s key, a session or a malformed id, and revokes nothing', async () => {
      const owner = await aUserWithCredits(api.app, 0);
      const [ownerKey] = await api.app.get(ApiTokensService).liveApiKeysOf(owner.user.id);
      const browser = await signedIn();
      const [session] = await api.dataSource.query<{ id: string }[]>(
        `SELECT id FROM api_tokens WHERE user_id = $1 AND kind = 'session'`,
        [browser.userId],
      );
      for (const id of [ownerKey.id, session.id, 'not-a-uuid']) {
        const res = await api.request('DELETE', `/api/tokens/${id}/`, {
          headers: withSession(browser),
        });
        expect(res.status).toBe(404);
      }
      expect((await api.request('GET', '/api/me/', { token: owner.token })).status).toBe(200);
      expect(
        (await api.request('GET', '/api/me/', { headers: { cookie: browser.cookie } })).status,
      ).toBe(200);
    });

    it('makes keys only from a signed-in session, never with another key', async () => {
      const { token } = await aUserWithCredits(api.app, 0);
      const res = await api.request('POST', '/api/tokens/', { token, body: { name: 'more' } });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('session_required');
      const browser = await signedIn();
      const blank = await api.request('POST', '/api/tokens/', {
        headers: withSession(browser),
        body: { name: '   ' },
      });
      expect(blank.status).toBe(400);
    });
  });

  describe('password reset', () => {
    it('answers the same for any address, and mails only an account’s owner', async () => {
      const { email } = await signedIn();
      const nobody = anEmail('nobody');
      const after = smtp.messages.length;
      const known = await post('/api/auth/password-reset/', { email });
      const unknown = await post('/api/auth/password-reset/', { email: nobody });
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(unknown.body).toEqual(known.body);
      await mailedToken(smtp, email, RESET_SUBJECT, after);
      expect(smtp.messages.some((m) => m.envelopeTo.includes(nobody))).toBe(false);
    });

    it('sets the new password once, signs every browser out, keeps API keys and says so by mail', async () => {
      const browser = await signedIn();
      const key = await api.request('POST', '/api/tokens/', {
        headers: withSession(browser),
        body: { name: 'kept' },
      });
      const after = smtp.messages.length;
      await post('/api/auth/password-reset/', { email: browser.email });
      const { token, mail } = await mailedToken(smtp, browser.email, RESET_SUBJECT, after);
      expect(mail.text).toContain(`${api.config.api.publicUrl}/#reset-password=${token}`);

      const weak = await post('/api/auth/password-reset/confirm/', {
        token,
        password: 'password1',
      });
      expect(weak.status).toBe(400);
      expect(weak.body.code).toBe('password_too_short');
      const newPassword = 'a brand new passphrase';
      const done = await post('/api/auth/password-reset/confirm/', {
        token,
        password: newPassword,
      });
      expect(done.status).toBe(200);
      const reused = await post('/api/auth/password-reset/confirm/', {
        token,
        password: 'yet another passphrase',
      });
      expect(reused.status).toBe(400);
      expect(reused.body.code).toBe('link_used');

      expect(
        (await api.request('GET', '/api/me/', { headers: { cookie: browser.cookie } })).status,
      ).toBe(401);
      expect((await api.request('GET', '/api/me/', { token: key.body.token })).status).toBe(200);
      expect(
        (await post('/api/auth/login/', { email: browser.email, password: PASSWORD })).status,
      ).toBe(401);
      await login(browser.email, newPassword);
      await smtp.waitForMessage(
        (m) => m.envelopeTo.includes(browser.email) && m.subject === CHANGED_SUBJECT,
        10_000,
      );
      // Already verified before: no second starter grant.
      expect(await balanceOf(browser.userId)).toBe(3);
    });

    it('refuses an expired reset link', async () => {
      const { email, userId } = await signedIn();
      const after = smtp.messages.length;
      await post('/api/auth/password-reset/', { email });
      const { token } = await mailedToken(smtp, email, RESET_SUBJECT, after);
      await api.dataSource.query(
        `UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
        [userId],
      );
      const res = await post('/api/auth/password-reset/confirm/', {
        token,
        password: 'a brand new passphrase',
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('link_expired');
    });

    it('verifies an unconfirmed account and grants the starter credits once, whichever link comes first', async () => {
      const email = anEmail();
      const verifyToken = await signUp(email);
      const after = smtp.messages.length;
      await post('/api/auth/password-reset/', { email });
      const { token } = await mailedToken(smtp, email, RESET_SUBJECT, after);
      expect(
        (await post('/api/auth/password-reset/confirm/', { token, password: PASSWORD })).status,
      ).toBe(200);
      // The verification link still in the inbox is spent: it cannot grant again.
      expect((await post('/api/auth/verify/', { token: verifyToken })).body.code).toBe('link_used');
      const browser = await login(email);
      expect(await balanceOf(browser.userId)).toBe(3);
    });
  });
});

describe('accounts: abuse limits', () => {
  let smtp: TestSmtpServer;
  let api: TestApi;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    api = await startTestApi({
      SMTP_URL: smtp.url,
      // The test plays many client addresses through X-Forwarded-For.
      TRUST_PROXY: 'true',
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-throttle`,
      LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: '3',
      LOGIN_MAX_FAILURES_PER_IP: '5',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '6',
      LOGIN_ACCOUNT_LOCK_SECONDS: '2',
      ACCOUNT_MAILS_MAX_PER_EMAIL: '2',
      ACCOUNT_REQUESTS_MAX_PER_IP: '4',
    });
  });
  afterAll(async () => {
    await api.close();
    await smtp.stop();
  });

  let address = 0;
  const anIp = () => `198.51.100.${++address}`;
  const loginFrom = (ip: string, email: string, password: string) =>
    api.request('POST', '/api/auth/login/', {
      body: { email, password },
      headers: { 'x-forwarded-for': ip },
    });

  async function verifiedAccount(): Promise<string> {
    const email = anEmail();
    const ip = anIp();
    await api.request('POST', '/api/auth/signup/', {
      body: { email, password: PASSWORD },
      headers: { 'x-forwarded-for': ip },
    });
    const { token } = await mailedToken(smtp, email, VERIFY_SUBJECT);
    expect((await api.request('POST', '/api/auth/verify/', { body: { token } })).status).toBe(200);
    return email;
  }

  it('locks one address out of one account after 3 failures, even for the right password, not others', async () => {
    const email = await verifiedAccount();
    const attacker = anIp();
    for (let i = 0; i < 3; i++) {
      expect((await loginFrom(attacker, email, `guess number ${i}!`)).status).toBe(401);
    }
    const locked = await loginFrom(attacker, email, `guess number 4!`);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('too_many_attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The IETF draft's field beside it: nothing left until Retry-After has passed.
    expect(locked.headers.get('ratelimit')).toBe(
      `"accounts";r=0;t=${locked.headers.get('retry-after')}`,
    );
    expect((await loginFrom(attacker, email, PASSWORD)).status).toBe(429);
    // The owner, elsewhere, is not locked out by it.
    expect((await loginFrom(anIp(), email, PASSWORD)).status).toBe(200);
  });

  it('limits one address across accounts, unknown ones included (no hint who exists)', async () => {
    const ip = anIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await loginFrom(ip, anEmail('nobody'), 'guess password 1')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('locks an account guessed at from many addresses only briefly', async () => {
    const email = await verifiedAccount();
    for (let i = 0; i < 6; i++) {
      expect((await loginFrom(anIp(), email, `spread guess ${i}!`)).status).toBe(401);
    }
    const owner = anIp();
    const locked = await loginFrom(owner, email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await loginFrom(owner, email, PASSWORD)).status).toBe(200);
  });

  it('limits mails to one address, the same whether or not it has an account', async () => {
    // An account made by an operator: no mail was sent to it yet.
    const known = (await aUserWithCredits(api.app, 0)).user.email;
    const unknown = anEmail('nobody');
    for (const email of [known, unknown]) {
      const answers: TestResponse[] = [];
      for (let i = 0; i < 3; i++) {
        answers.push(
          await api.request('POST', '/api/auth/password-reset/', {
            body: { email },
            headers: { 'x-forwarded-for': anIp() },
          }),
        );
      }
      expect(answers.map((res) => res.status)).toEqual([202, 202, 429]);
      expect(answers[2].body.code).toBe('too_many_attempts');
      expect(Number(answers[2].headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('limits sign-ups from one address', async () => {
    const ip = anIp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.request('POST', '/api/auth/signup/', {
        body: { email: anEmail(), password: PASSWORD },
        headers: { 'x-forwarded-for': ip },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
  });
});

describe('accounts: deleting an account', () => {
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array(64).fill(7)]);
  let smtp: TestSmtpServer;
  let media: Server;
  let flow: Flow;
  let storage: ObjectStorage;
  /** Runs while the media server holds its answer to `/slow.png`. */
  let whileDownloading: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    media = createServer((req, res) => {
      const send = () => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      if (req.url === '/slow.png') {
        void whileDownloading().then(send, send);
      } else {
        send();
      }
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
    flow = await startFlow({
      SMTP_URL: smtp.url,
      // The test delivers fal's results itself, unsigned, with images from its own server.
      FAL_WEBHOOK_VERIFY: 'false',
      FAL_MEDIA_HOSTS: `127.0.0.1:${(media.address() as AddressInfo).port}`,
      RECONCILE_PROCESSING_AFTER_MS: '600000',
      STARTER_CREDITS: '3',
      ACCOUNT_REQUESTS_MAX_PER_IP: '10000',
    });
    storage = flow.api.app.get<ObjectStorage>(OBJECT_STORAGE);
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow.close();
    await smtp.stop();
    await new Promise((r) => media.close(r));
  });

  const mediaUrl = (path: string) =>
    `http://127.0.0.1:${(media.address() as AddressInfo).port}${path}`;

  async function signedIn(): Promise<Browser & { email: string }> {
    const email = anEmail();
    const signup = await flow.api.request('POST', '/api/auth/signup/', {
      body: { email, password: PASSWORD },
    });
    expect(signup.status).toBe(202);
    const { token } = await mailedToken(smtp, email, VERIFY_SUBJECT);
    await flow.api.request('POST', '/api/auth/verify/', { body: { token } });
    const res = await flow.api.request('POST', '/api/auth/login/', {
      body: { email, password: PASSWORD },
    });
    return {
      cookie: cookieHeader(res),
      csrf: res.body.csrf_token,
      userId: res.body.user.id,
      email,
    };
  }

  /** An infograph created with the session and left processing at fal-sim ([sim:stuck]). */
  async function processing(browser: Browser): Promise<string> {
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrf },
      body: { prompt: 'secret plans [sim:stuck]' },
    });
    expect(created.status).toBe(201);
    const id = created.body.infographs[0].id as string;
    await waitFor(
      () =>
        flow.api.dataSource.query<{ status: string }[]>(
          `SELECT status FROM infographs WHERE id = $1`,
          [id],
        ),
      (rows) => rows[0]?.status === 'processing',
    );
    return id;
  }

  const deleteAccount = (browser: Browser, password: string, csrf = browser.csrf) =>
    flow.api.request('DELETE', '/api/me/', {
      headers: { cookie: browser.cookie, 'x-csrf-token': csrf },
      body: { password },
    });

  it('deletes images, infographics, keys and sessions, keeps the ledger anonymised and consistent', async () => {
    const browser = await signedIn();
    const id = await processing(browser);
    await flow.api.request('POST', issuedWebhookPath(id), {
      body: { images: [{ url: mediaUrl('/done.png'), content_type: 'image/png' }] },
    });
    const done = await waitFor(
      () =>
        httpRequest(flow.api.url, 'GET', `/api/infographs/status/${id}/`, {
          headers: { cookie: browser.cookie },
        }),
      (r) => r.body.status === 'completed',
    );
    const key = `infographs/${browser.userId}/${id}.png`;
    expect(done.body.image_url).toContain(key);
    expect(await storage.exists(key)).toBe(true);
    const apiKey = await flow.api.request('POST', '/api/tokens/', {
      headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrf },
      body: { name: 'doomed' },
    });

    expect((await deleteAccount(browser, PASSWORD, 'wrong')).status).toBe(403);
    const wrong = await deleteAccount(browser, 'not my password!');
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('password_incorrect');
    expect(await storage.exists(key)).toBe(true);

    const deleted = await deleteAccount(browser, PASSWORD);
    expect(deleted.status).toBe(204);
    expect(sessionSetCookie(deleted)).toMatch(/^aig_session=;/);

    expect(await storage.exists(key)).toBe(false);
    expect((await httpRequest(flow.api.url, 'GET', `/files/${key}`)).status).toBe(404);
    expect((await flow.api.request('GET', '/api/me/', { token: apiKey.body.token })).status).toBe(
      401,
    );
    expect(
      (await flow.api.request('GET', '/api/me/', { headers: { cookie: browser.cookie } })).status,
    ).toBe(401);
    expect(
      (
        await flow.api.request('POST', '/api/auth/login/', {
          body: { email: browser.email, password: PASSWORD },
        })
      ).status,
    ).toBe(401);

    const [user] = await flow.api.dataSource.query<Record<string, unknown>[]>(
      `SELECT email, password_hash, deleted_at, balance FROM users WHERE id = $1`,
      [browser.userId],
    );
    expect(user).toEqual({
      email: `deleted-${browser.userId}@deleted.invalid`,
      password_hash: null,
      deleted_at: expect.any(Date),
      balance: 0,
    });
    const left = await flow.api.dataSource.query<{ n: number }[]>(
      `SELECT (SELECT count(*) FROM infographs WHERE user_id = $1)::int
            + (SELECT count(*) FROM api_tokens WHERE user_id = $1)::int
            + (SELECT count(*) FROM email_tokens WHERE user_id = $1)::int AS n`,
      [browser.userId],
    );
    expect(left[0].n).toBe(0);
    const ledger = await flow.api.dataSource.query<{ reason: string; amount: number }[]>(
      `SELECT reason, amount FROM credit_ledger WHERE user_id = $1 ORDER BY created_at`,
      [browser.userId],
    );
    expect(ledger).toEqual([
      { reason: 'grant', amount: 3 },
      { reason: 'charge', amount: -1 },
      { reason: 'adjustment', amount: -2 },
    ]);

    // fal's late delivery for the deleted infograph changes nothing.
    const late = await flow.api.request('POST', issuedWebhookPath(id), {
      body: { images: [{ url: mediaUrl('/done.png'), content_type: 'image/png' }] },
    });
    expect(late.status).toBe(404);
    // The address is free for a new account.
    expect(
      (
        await flow.api.request('POST', '/api/auth/signup/', {
          body: { email: browser.email, password: PASSWORD },
        })
      ).status,
    ).toBe(202);
    await mailedToken(smtp, browser.email, VERIFY_SUBJECT, smtp.messages.length - 1);
  });

  it('removes an image whose upload was under way when the account was deleted', async () => {
    const browser = await signedIn();
    const id = await processing(browser);
    const key = `infographs/${browser.userId}/${id}.png`;
    let deletion: TestResponse | undefined;
    whileDownloading = async () => {
      deletion = await deleteAccount(browser, PASSWORD);
    };
    await flow.api.request('POST', issuedWebhookPath(id), {
      body: { images: [{ url: mediaUrl('/slow.png'), content_type: 'image/png' }] },
    });
    await waitFor(
      () => deletion,
      (d) => d !== undefined,
      { describe: 'the deletion during the download' },
    );
    expect(deletion!.status).toBe(204);
    // The upload stored its copy after the deletion had emptied the folder, then found the
    // infograph gone and removed the copy.
    const uploads = flow.api.app.get<Queue>(getQueueToken(QUEUES.upload), { strict: false });
    const job = await waitFor(
      () => uploads.getJob(`upload-${id}`),
      (j) => j?.finishedOn !== undefined,
      { describe: 'the upload job to finish' },
    );
    expect(job!.returnvalue).toBe(
      'skipped: the infograph was deleted while its image was copied; the copy is removed',
    );
    expect(await storage.exists(key)).toBe(false);
    whileDownloading = () => Promise.resolve();
  });
});
