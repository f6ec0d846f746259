import { READY_SUBJECT } from '@app/notifications';
import { generateVapidKeys } from '@app/notify';
import { Metrics } from '@app/observability';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { TestPushService, startPushService } from '../support/push-service';
import { ReceivedMail, TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Long enough for a test to say "seen" after the result shows, short enough to keep tests quick. */
const EMAIL_DELAY_MS = 2500;

describe('notifications: Web Push, the presence-aware e-mail, preferences, unsubscribe', () => {
  const vapid = generateVapidKeys();
  let flow: Flow;
  let smtp: TestSmtpServer;
  let push: TestPushService;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    push = await startPushService(vapid.publicKey);
    flow = await startFlow({
      SMTP_URL: smtp.url,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:ops@test.local',
      PUSH_ALLOW_INSECURE_ENDPOINTS: 'true',
      NOTIFY_EMAIL_DELAY_MS: String(EMAIL_DELAY_MS),
    });
  });

  afterAll(async () => {
    await flow?.close();
    await push?.stop();
    await smtp?.stop();
  });

  async function aSubscriber(): Promise<{ token: string; email: string; userId: string }> {
    const { user, token } = await aUserWithCredits(flow.api.app, 5);
    return { token, email: user.email, userId: user.id };
  }

  async function subscribe(token: string): Promise<string> {
    const subscription = push.subscribe();
    const res = await flow.api.request('POST', '/api/push/subscriptions/', {
      token,
      body: subscription.json,
    });
    expect(res.status).toBe(201);
    return subscription.id;
  }

  async function create(token: string, prompt = 'Coffee around the world'): Promise<string> {
    const res = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt },
    });
    expect(res.status).toBe(201);
    return res.body.infographs[0].id as string;
  }

  /** The per-channel markers: the barrier that says the notify step decided. */
  function marker(infographId: string, channel: 'email' | 'push', state: string) {
    return waitFor(
      () =>
        flow.api.dataSource.query<{ state: string }[]>(
          `SELECT state FROM notification_deliveries WHERE infograph_id = $1 AND channel = $2`,
          [infographId, channel],
        ),
      (rows) => rows.length > 0 && rows.every((r) => r.state === state),
      { timeoutMs: 20_000, describe: `${channel} of ${infographId} to be ${state}` },
    );
  }

  const mailsTo = (email: string): ReceivedMail[] =>
    smtp.messages.filter((m) => m.envelopeTo.includes(email));
  const pushesTo = (subscriptionId: string) =>
    push.received.filter((p) => p.subscriptionId === subscriptionId);

  it('tells the page the VAPID key to subscribe with', async () => {
    const { token } = await aSubscriber();
    const res = await flow.api.request('GET', '/api/push/', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ enabled: true, vapid_public_key: vapid.publicKey });
  });

  it('pushes a completed infographic, encrypted to the browser, and mails it with an unsubscribe link', async () => {
    const { token, email } = await aSubscriber();
    const subscription = push.subscribe();
    const first = await flow.api.request('POST', '/api/push/subscriptions/', {
      token,
      body: subscription.json,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ endpoint: subscription.json.endpoint });
    // The same browser again: the same subscription, 200.
    const again = await flow.api.request('POST', '/api/push/subscriptions/', {
      token,
      body: subscription.json,
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);

    const id = await create(token);
    const received = await push.waitFor((p) => p.subscriptionId === subscription.id, 20_000);
    expect(received.payload).toEqual({
      title: READY_SUBJECT,
      body: 'Coffee around the world',
      url: `${flow.api.url}/#infograph=${id}`,
      image: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\//),
      tag: id,
      infograph_id: id,
      status: 'completed',
    });
    expect(received.headers).toMatchObject({ ttl: '86400', urgency: 'normal' });

    const mail = await smtp.waitForMessage((m) => m.envelopeTo.includes(email), 20_000);
    const link = /^<(.+)>$/.exec(mail.headers['list-unsubscribe'])?.[1];
    expect(link).toMatch(/\/api\/notifications\/unsubscribe\?token=/);
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(mail.text).toContain(`Unsubscribe: ${link}`);
    expect(mail.html).toContain('Unsubscribe</a>');

    await marker(id, 'email', 'sent');
    expect(pushesTo(subscription.id)).toHaveLength(1);
    const metrics = await flow.worker.get(Metrics).registry.getMetricsAsJSON();
    const notices = metrics.find((m) => m.name === 'ainfographic_notifications_total');
    expect(notices?.values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { channel: 'push', outcome: 'sent' } }),
        expect.objectContaining({ labels: { channel: 'email', outcome: 'sent' } }),
        expect.objectContaining({ labels: { channel: 'realtime', outcome: 'sent' } }),
      ]),
    );
  });

  it('removes a subscription whose push service says it is gone (410), and keeps the others', async () => {
    const { token } = await aSubscriber();
    const gone = await subscribe(token);
    const kept = await subscribe(token);
    push.answer(gone, 410);
    const id = await create(token);
    await marker(id, 'email', 'sent');
    expect(pushesTo(gone).map((p) => p.status)).toEqual([410]);
    expect(pushesTo(kept).map((p) => p.status)).toEqual([201]);
    const endpoints = await flow.api.dataSource.query<{ endpoint: string }[]>(
      `SELECT endpoint FROM push_subscriptions WHERE endpoint LIKE $1`,
      [`%/push/${gone}`],
    );
    expect(endpoints).toEqual([]);
    const remaining = await flow.api.dataSource.query<unknown[]>(
      `SELECT 1 FROM push_subscriptions WHERE endpoint LIKE $1`,
      [`%/push/${kept}`],
    );
    expect(remaining).toHaveLength(1);
  });

  it('sends neither push nor e-mail when the user turned both off', async () => {
    const { token, email } = await aSubscriber();
    const subscription = await subscribe(token);
    expect((await flow.api.request('GET', '/api/me/notifications/', { token })).body).toEqual({
      email: true,
      push: true,
    });
    const patched = await flow.api.request('PATCH', '/api/me/notifications/', {
      token,
      body: { email: false, push: false },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ email: false, push: false });
    const bad = await flow.api.request('PATCH', '/api/me/notifications/', {
      token,
      body: { email: 'no' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');

    const id = await create(token);
    await marker(id, 'push', 'skipped');
    await marker(id, 'email', 'skipped');
    expect(pushesTo(subscription)).toEqual([]);
    expect(mailsTo(email)).toEqual([]);
  });

  it('skips the e-mail when the page showed the result, and still pushes', async () => {
    const { token, email } = await aSubscriber();
    const subscription = await subscribe(token);
    const id = await create(token);
    await flow.waitForTerminal(token, id);
    // What the page does when it shows a finished infograph on a visible tab.
    const seen = await flow.api.request('POST', `/api/infographs/${id}/seen/`, { token });
    expect(seen.status).toBe(204);
    await marker(id, 'email', 'skipped');
    expect(mailsTo(email)).toEqual([]);
    expect(pushesTo(subscription)).toHaveLength(1);

    const other = await aSubscriber();
    const notOwner = await flow.api.request('POST', `/api/infographs/${id}/seen/`, {
      token: other.token,
    });
    expect(notOwner.status).toBe(404);
    expect(notOwner.body.code).toBe('not_found');
  });

  it('unsubscribes from the e-mail link without signing in: GET only asks, POST does it', async () => {
    const { token, email } = await aSubscriber();
    await create(token, 'Unsubscribe me [sim:fail]');
    const mail = await smtp.waitForMessage((m) => m.envelopeTo.includes(email), 20_000);
    const link = new URL(/^<(.+)>$/.exec(mail.headers['list-unsubscribe'])![1]);
    const path = `${link.pathname}${link.search}`;

    const page = await flow.api.request('GET', path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('<form method="post"');
    // A mail scanner's GET changes nothing.
    expect((await flow.api.request('GET', '/api/me/notifications/', { token })).body.email).toBe(
      true,
    );

    // RFC 8058 one-click: what a mail client POSTs, with no session and no CSRF token.
    const done = await flow.api.request('POST', path, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.status).toBe(200);
    expect(done.body).toContain('no more e-mails');
    expect((await flow.api.request('GET', '/api/me/notifications/', { token })).body).toEqual({
      email: false,
      push: true,
    });

    const forged = `${path.slice(0, -4)}AAAA`;
    const refused = await flow.api.request('POST', forged, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_unsubscribe_token');
    // The multipart form some mail clients send is taken here only.
    const multipart = {
      body: '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    };
    expect((await flow.api.request('POST', path, multipart)).status).toBe(200);
    const elsewhere = await flow.api.request('PATCH', '/api/me/notifications/', {
      token,
      ...multipart,
    });
    expect(elsewhere.status).toBe(415);
  });

  it('delivers each channel once when the e-mail fails after the push went out', async () => {
    const { token, email } = await aSubscriber();
    const subscription = await subscribe(token);
    // The first run pushes, then its e-mail fails: the job is retried.
    smtp.refuseNext(1);
    const id = await create(token);
    await smtp.waitForMessage((m) => m.envelopeTo.includes(email), 20_000);
    await marker(id, 'email', 'sent');
    expect(mailsTo(email)).toHaveLength(1);
    expect(pushesTo(subscription)).toHaveLength(1);
  });

  it('never sends an e-mail twice: a claim left by a crash mid-send is not sent again', async () => {
    const { token, email } = await aSubscriber();
    const id = await create(token);
    // What a worker killed between the SMTP server's "250 OK" and the `sent` mark leaves behind
    // (written while this e-mail still waits out NOTIFY_EMAIL_DELAY_MS).
    await flow.api.dataSource.query(
      `INSERT INTO notification_deliveries (infograph_id, channel, target, state)
       VALUES ($1, 'email', '', 'sending')`,
      [id],
    );
    await marker(id, 'email', 'sent');
    expect(mailsTo(email)).toEqual([]);
    const metrics = await flow.worker.get(Metrics).registry.getMetricsAsJSON();
    const notices = metrics.find((m) => m.name === 'ainfographic_notifications_total');
    expect(notices?.values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { channel: 'email', outcome: 'skipped_unknown' } }),
      ]),
    );
  });

  it('retries only the push that failed', async () => {
    const { token, email } = await aSubscriber();
    const flaky = await subscribe(token);
    const fine = await subscribe(token);
    push.answer(flaky, 500);
    const id = await create(token);
    await marker(id, 'push', 'sent');
    await marker(id, 'email', 'sent');
    expect(pushesTo(flaky).map((p) => p.status)).toEqual([500, 201]);
    expect(pushesTo(fine).map((p) => p.status)).toEqual([201]);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('validates subscriptions and unsubscribes a browser', async () => {
    const { token } = await aSubscriber();
    const subscription = push.subscribe();
    const badKeys = await flow.api.request('POST', '/api/push/subscriptions/', {
      token,
      body: { ...subscription.json, keys: { p256dh: 'short', auth: 'x' } },
    });
    expect(badKeys.status).toBe(400);
    expect(badKeys.body.code).toBe('validation_failed');
    const notUrl = await flow.api.request('POST', '/api/push/subscriptions/', {
      token,
      body: { ...subscription.json, endpoint: 'not a url' },
    });
    expect(notUrl.status).toBe(400);
    expect(notUrl.body.code).toBe('invalid_push_endpoint');

    const offCurve = await flow.api.request('POST', '/api/push/subscriptions/', {
      token,
      body: {
        ...subscription.json,
        keys: { ...subscription.json.keys, p256dh: `B${'A'.repeat(86)}` },
      },
    });
    expect(offCurve.status).toBe(400);
    expect(offCurve.body.code).toBe('invalid_push_keys');

    const added = await flow.api.request('POST', '/api/push/subscriptions/', {
      token,
      body: subscription.json,
    });
    expect(added.status).toBe(201);
    const removed = await flow.api.request('DELETE', '/api/push/subscriptions/', {
      token,
      body: { endpoint: subscription.json.endpoint },
    });
    expect(removed.status).toBe(204);
    const left = await flow.api.dataSource.query<unknown[]>(
      `SELECT 1 FROM push_subscriptions WHERE endpoint = $1`,
      [subscription.json.endpoint],
    );
    expect(left).toEqual([]);
  });

  it('sent the push service nothing it refused: every VAPID JWT valid, every body decryptable', () => {
    expect(push.received.length).toBeGreaterThan(5);
    expect(push.rejected).toEqual([]);
  });

  it('is off, and says so, without VAPID keys', async () => {
    const api = await startTestApi();
    try {
      const { token } = await aUserWithCredits(api.app, 0);
      const settings = await api.request('GET', '/api/push/', { token });
      expect(settings.body).toEqual({ enabled: false, vapid_public_key: null });
      const refused = await api.request('POST', '/api/push/subscriptions/', {
        token,
        body: push.subscribe().json,
      });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('push_disabled');
    } finally {
      await api.close();
    }
  });
});
