// Buying credits, end to end: the api in-process with the real `stripe` SDK pointed at a local
// stand-in for Stripe's API (test/support/stripe-api-server.ts), and Stripe's webhook events
// signed the way Stripe signs them and verified by the SDK on our side. Every test ends with the
// ledger check, which covers purchases (one grant per payment, clawbacks within the grant).
import { connect } from 'node:net';

import { CreditsService } from '@app/credits';
import type { QueryRunner } from 'typeorm';
import WebSocket from 'ws';

import { aUserWithCredits } from '../support/factories';
import { assertLedgerConsistent } from '../support/ledger';
import { LogCapture, captureLogs } from '../support/log-capture';
import { PrivateRedis } from '../support/redis-server';
import {
  StripeApiServer,
  StripeObject,
  startStripeApiServer,
  stripeId,
} from '../support/stripe-api-server';
import {
  WEBHOOK_PATH,
  deliver,
  newWebhookSecret,
  signedDelivery,
  stripeEvent,
} from '../support/stripe-events';
import { TestApi, httpRequest, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const PACKS = [
  { id: 'starter', name: 'Starter: 10 credits', credits: 10, price: 500, currency: 'usd' },
  { id: 'studio', name: 'Studio: 200 credits', credits: 200, price: 6000, currency: 'eur' },
];

describe('buying credits with Stripe Checkout', () => {
  let stripe: StripeApiServer;
  let api: TestApi;
  let logs: LogCapture;
  const secret = newWebhookSecret();

  beforeAll(async () => {
    stripe = await startStripeApiServer();
    logs = captureLogs();
    api = await startTestApi(
      {
        LOG_LEVEL: 'info',
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: secret,
        STRIPE_API_URL: stripe.url,
        CREDIT_PACKS: JSON.stringify(PACKS),
        PUBLIC_WEB_URL: 'https://app.example.com',
      },
      { logDestination: logs.stream },
    );
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(async () => {
    await api?.close();
    await stripe?.stop();
  });

  const balanceOf = (userId: string) => api.app.get(CreditsService).balanceOf(userId);
  const purchaseRow = async (id: string) =>
    (
      await api.dataSource.query<Record<string, any>[]>(
        `SELECT * FROM credit_purchases WHERE id = $1`,
        [id],
      )
    )[0];
  const purchaseEntries = (purchaseId: string) =>
    api.dataSource.query<{ reason: string; amount: number; reference: string }[]>(
      `SELECT reason, amount, reference FROM credit_ledger WHERE purchase_id = $1 ORDER BY created_at`,
      [purchaseId],
    );

  /** A user with `credits` who started a checkout for `pack`: its purchase and Stripe session. */
  async function aCheckout(pack = 'starter', credits = 0) {
    const { user, token } = await aUserWithCredits(api.app, credits);
    const response = await api.request('POST', '/api/credits/checkout/', {
      token,
      body: { pack },
    });
    expect(response.status).toBe(201);
    const purchaseId = response.body.purchase_id as string;
    const sessionId = (await purchaseRow(purchaseId)).stripe_session_id as string;
    return { user, token, purchaseId, sessionId, response };
  }
  const send = (event: StripeObject) => deliver(api.url, event, secret);
  const completed = (sessionId: string, paid = true) =>
    stripeEvent('checkout.session.completed', stripe.completeSession(sessionId, { paid }));

  it('lists the packs, publicly, and says purchasing is on', async () => {
    const response = await api.request('GET', '/api/credits/packs/');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ purchases_enabled: true, packs: PACKS });
    const doc = (await api.request('GET', '/docs-json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/credits/packs',
        '/api/credits/checkout',
        '/api/credits/purchases',
        '/api/payments/stripe/webhook',
      ]),
    );
  });

  it('makes a Checkout Session through the SDK for the pack, recorded before Stripe was asked', async () => {
    const before = stripe.requests.length;
    const { user, purchaseId, sessionId, response } = await aCheckout('studio');
    const session = stripe.sessions.get(sessionId)!;
    expect(response.body).toEqual({
      purchase_id: purchaseId,
      pack: 'studio',
      credits: 200,
      price: 6000,
      currency: 'eur',
      checkout_url: session.url,
    });
    expect(session.url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);

    const [call] = stripe.requests.slice(before);
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v1/checkout/sessions');
    expect(call.headers.authorization).toBe(`Bearer ${stripe.secretKey}`);
    expect(call.headers['idempotency-key']).toBe(`checkout-${purchaseId}`);
    expect(call.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const metadata = {
      purchase_id: purchaseId,
      user_id: user.id,
      pack_id: 'studio',
      credits: '200',
    };
    expect(call.params).toEqual({
      mode: 'payment',
      line_items: [
        {
          quantity: '1',
          price_data: {
            currency: 'eur',
            unit_amount: '6000',
            product_data: { name: 'Studio: 200 credits', description: '200 ainfographic credits' },
          },
        },
      ],
      client_reference_id: user.id,
      metadata,
      payment_intent_data: { metadata },
      success_url: `https://app.example.com/?checkout=success&purchase=${purchaseId}`,
      cancel_url: `https://app.example.com/?checkout=cancel&purchase=${purchaseId}`,
    });
    expect(await purchaseRow(purchaseId)).toMatchObject({
      user_id: user.id,
      pack_id: 'studio',
      credits: 200,
      price: 6000,
      currency: 'eur',
      status: 'pending',
      stripe_session_id: sessionId,
    });
    expect(await balanceOf(user.id)).toBe(0);
  });

  it('refuses an unknown or missing pack (400, a stable code) and asks Stripe nothing', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const before = stripe.requests.length;
    const unknown = await api.request('POST', '/api/credits/checkout/', {
      token,
      body: { pack: 'gold' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'unknown_pack' });
    expect(unknown.body.message).toMatch(/pack must be one of starter, studio; got "gold"/);
    const missing = await api.request('POST', '/api/credits/checkout/', { token, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/^pack/),
    });
    expect(missing.body.details).toEqual([{ field: 'pack', message: expect.any(String) }]);
    const anonymous = await api.request('POST', '/api/credits/checkout/', {
      body: { pack: 'starter' },
    });
    expect(anonymous.status).toBe(401);
    expect(stripe.requests.length).toBe(before);
  });

  it('grants the pack once when Stripe says the session is paid', async () => {
    const { user, token, purchaseId, sessionId } = await aCheckout('starter', 2);
    const answer = await send(completed(sessionId));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      received: true,
      type: 'checkout.session.completed',
      outcome: 'granted',
    });
    expect(await balanceOf(user.id)).toBe(12);
    expect(await purchaseEntries(purchaseId)).toEqual([
      { reason: 'purchase', amount: 10, reference: `purchase:${purchaseId}` },
    ]);
    const row = await purchaseRow(purchaseId);
    expect(row).toMatchObject({ status: 'paid', stripe_session_id: sessionId });
    expect(row.stripe_payment_intent_id).toMatch(/^pi_/);
    expect(row.paid_at).not.toBeNull();

    const history = await api.request('GET', '/api/credits/purchases/', { token });
    expect(history.status).toBe(200);
    expect(history.body.items).toEqual([
      expect.objectContaining({
        id: purchaseId,
        pack_id: 'starter',
        pack_name: 'Starter: 10 credits',
        credits: 10,
        price: 500,
        currency: 'usd',
        status: 'paid',
        payment_reference: sessionId,
        receipt_url: null,
        entries: [expect.objectContaining({ amount: 10, reason: 'purchase' })],
      }),
    ]);
    const again = await send(completed(sessionId));
    expect(again.body.outcome).toBe('duplicate');
    expect(await balanceOf(user.id)).toBe(12);
  });

  it('grants once when the same event is delivered 20 times at once', async () => {
    const { user, purchaseId, sessionId } = await aCheckout();
    const { body, headers } = signedDelivery(completed(sessionId), secret);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        httpRequest(api.url, 'POST', WEBHOOK_PATH, { body, headers }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const outcomes = answers.map((a) => a.body.outcome as string);
    expect(outcomes.filter((o) => o === 'granted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(19);
    expect(await balanceOf(user.id)).toBe(10);
    expect(await purchaseEntries(purchaseId)).toHaveLength(1);
  });

  it('waits for an asynchronous payment: completed (unpaid) grants nothing, async_payment_succeeded grants once', async () => {
    const { user, sessionId } = await aCheckout();
    const unpaid = await send(completed(sessionId, false));
    expect(unpaid.body.outcome).toBe('recorded');
    expect(await balanceOf(user.id)).toBe(0);
    const session = stripe.completeSession(sessionId, { paid: true });
    const succeeded = stripeEvent('checkout.session.async_payment_succeeded', session);
    expect((await send(succeeded)).body.outcome).toBe('granted');
    expect((await send(succeeded)).body.outcome).toBe('duplicate');
    expect(
      (await send(stripeEvent('checkout.session.async_payment_succeeded', session))).body.outcome,
    ).toBe('duplicate');
    expect(await balanceOf(user.id)).toBe(10);
  });

  it('grants once when async_payment_succeeded arrives before completed', async () => {
    const { user, purchaseId, sessionId } = await aCheckout();
    const unpaidSnapshot = completed(sessionId, false);
    const paid = stripeEvent(
      'checkout.session.async_payment_succeeded',
      stripe.completeSession(sessionId, { paid: true }),
    );
    expect((await send(paid)).body.outcome).toBe('granted');
    expect((await send(unpaidSnapshot)).body.outcome).toBe('duplicate');
    expect(await balanceOf(user.id)).toBe(10);
    expect((await purchaseRow(purchaseId)).status).toBe('paid');
  });

  it('refuses a bad signature with 400 and grants nothing', async () => {
    const { user, purchaseId, sessionId } = await aCheckout();
    const event = completed(sessionId);
    const forged = signedDelivery(event, newWebhookSecret());
    const stale = signedDelivery(event, secret, {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    const genuine = signedDelivery(event, secret);
    const tampered = genuine.body.replace('"amount_total": 500', '"amount_total": 5');
    expect(tampered).not.toBe(genuine.body);
    const noHeader = { 'content-type': 'application/json' };
    for (const [body, headers] of [
      [forged.body, forged.headers],
      [stale.body, stale.headers],
      [tampered, genuine.headers],
      [genuine.body, noHeader],
    ] as const) {
      const answer = await httpRequest(api.url, 'POST', WEBHOOK_PATH, { body, headers });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'invalid_signature' });
    }
    expect(await balanceOf(user.id)).toBe(0);
    expect(await purchaseEntries(purchaseId)).toEqual([]);
    expect((await purchaseRow(purchaseId)).status).toBe('pending');
  });

  it('answers 200 to events it does not act on, and to sessions that are not ours, changing nothing', async () => {
    const { user, sessionId } = await aCheckout();
    const customer = stripeEvent('customer.created', { id: stripeId('cus'), object: 'customer' });
    expect(await send(customer)).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    const foreign = stripe.completeSession(sessionId);
    foreign.id = stripeId('cs_test', 58);
    foreign.metadata = {};
    expect(await send(stripeEvent('checkout.session.completed', foreign))).toMatchObject({
      status: 200,
      body: { outcome: 'ignored' },
    });
    // Another session naming our purchase in its metadata is not that purchase's payment.
    const impostor = { ...stripe.completeSession(sessionId), id: stripeId('cs_test', 58) };
    expect((await send(stripeEvent('checkout.session.completed', impostor))).body.outcome).toBe(
      'ignored',
    );
    expect(await balanceOf(user.id)).toBe(0);
  });

  it('marks an expired session and never grants it on a late duplicate of that', async () => {
    const { user, purchaseId, sessionId } = await aCheckout();
    const expired = stripeEvent('checkout.session.expired', {
      ...stripe.sessions.get(sessionId)!,
      status: 'expired',
    });
    expect((await send(expired)).body.outcome).toBe('recorded');
    expect((await send(expired)).body.outcome).toBe('duplicate');
    expect((await purchaseRow(purchaseId)).status).toBe('expired');
    expect(await balanceOf(user.id)).toBe(0);
  });

  describe('refunds and disputes', () => {
    /** A paid starter purchase (10 credits) of a user who had `before` credits. */
    async function aPaidPurchase(before = 0) {
      const checkout = await aCheckout('starter', before);
      expect((await send(completed(checkout.sessionId))).body.outcome).toBe('granted');
      return checkout;
    }
    const refunded = (sessionId: string, amountRefunded: number) =>
      stripeEvent('charge.refunded', stripe.chargeOf(sessionId, { amountRefunded }));

    it('claws back the unspent credits, never below zero, and flags the spent rest once', async () => {
      const { user, token, purchaseId, sessionId } = await aPaidPurchase();
      // The user spends 7 of the 10 credits.
      await api.app.get(CreditsService).adjust(user.id, -7, 'spent on infographics');
      const refund = refunded(sessionId, 500);
      const answer = await send(refund);
      expect(answer.body).toMatchObject({ type: 'charge.refunded', outcome: 'reversed' });
      expect(await balanceOf(user.id)).toBe(0);
      expect(await purchaseRow(purchaseId)).toMatchObject({
        status: 'refunded',
        clawed_back_credits: 3,
        unrecovered_credits: 7,
        receipt_url: refund.data.object.receipt_url,
      });
      const entries = await purchaseEntries(purchaseId);
      expect(entries).toEqual([
        expect.objectContaining({ reason: 'purchase', amount: 10 }),
        expect.objectContaining({ reason: 'clawback', amount: -3 }),
      ]);
      expect(entries[1].reference).toMatch(/^clawback:/);
      const warnings = logs
        .lines()
        .filter((l) => l.level === 40 && String(l.msg).includes(purchaseId));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toMatch(/7 credits already spent .* flagged for an operator/);
      const metrics = (await api.request('GET', '/metrics')).body as string;
      expect(metrics).toMatch(/ainfographic_unrecovered_credits_total\{kind="refund"\} [1-9]/);

      // Redelivered, also at once: nothing more, no second warning.
      const again = await Promise.all([send(refund), send(refund), send(refund)]);
      expect(again.map((a) => a.body.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      expect(await balanceOf(user.id)).toBe(0);
      expect(await purchaseEntries(purchaseId)).toHaveLength(2);
      expect(
        logs.lines().filter((l) => l.level === 40 && String(l.msg).includes(purchaseId)),
      ).toHaveLength(1);

      const history = await api.request('GET', '/api/credits/purchases/', { token });
      expect(history.body.items[0]).toMatchObject({
        status: 'refunded',
        clawed_back_credits: 3,
        unrecovered_credits: 7,
        receipt_url: expect.stringMatching(/^https:\/\/pay\.stripe\.com\/receipts\//),
      });
    });

    it('claws back in proportion to a partial refund, whatever order the steps arrive in', async () => {
      const { user, purchaseId, sessionId } = await aPaidPurchase(1);
      const half = refunded(sessionId, 250);
      const whole = refunded(sessionId, 500);
      expect((await send(whole)).body.outcome).toBe('reversed');
      expect(await balanceOf(user.id)).toBe(1);
      // The earlier step arriving late adds nothing: the running total already covered it.
      expect((await send(half)).body.outcome).toBe('reversed');
      expect(await balanceOf(user.id)).toBe(1);
      expect(await purchaseRow(purchaseId)).toMatchObject({
        clawed_back_credits: 10,
        unrecovered_credits: 0,
      });

      const second = await aPaidPurchase();
      const thirty = refunded(second.sessionId, 150);
      expect((await send(thirty)).body.outcome).toBe('reversed');
      expect(await balanceOf(second.user.id)).toBe(7);
      expect((await send(refunded(second.sessionId, 151))).body.outcome).toBe('reversed');
      // 151 of 500 cents is 3.02 credits' worth: rounded up, 4 in all.
      expect(await balanceOf(second.user.id)).toBe(6);
      expect((await send(thirty)).body.outcome).toBe('duplicate');
      expect(await balanceOf(second.user.id)).toBe(6);
    });

    it('applies a refund whose event came before the payment’s, when the payment’s comes', async () => {
      const { user, purchaseId, sessionId } = await aCheckout('starter', 4);
      const paidSession = stripe.completeSession(sessionId);
      const refund = refunded(sessionId, 500);
      expect((await send(refund)).body.outcome).toBe('recorded');
      expect(await balanceOf(user.id)).toBe(4);
      expect(
        (await send(stripeEvent('checkout.session.completed', paidSession))).body.outcome,
      ).toBe('granted');
      expect(await balanceOf(user.id)).toBe(4);
      expect(await purchaseRow(purchaseId)).toMatchObject({
        status: 'refunded',
        clawed_back_credits: 10,
      });
      expect((await send(refund)).body.outcome).toBe('duplicate');
      expect(await balanceOf(user.id)).toBe(4);
    });

    it('takes back a disputed purchase once', async () => {
      const { user, purchaseId, sessionId } = await aPaidPurchase(5);
      const dispute = stripeEvent('charge.dispute.created', stripe.disputeOf(sessionId));
      expect((await send(dispute)).body).toMatchObject({
        type: 'charge.dispute.created',
        outcome: 'reversed',
      });
      expect((await send(dispute)).body.outcome).toBe('duplicate');
      expect(await balanceOf(user.id)).toBe(5);
      expect(await purchaseRow(purchaseId)).toMatchObject({
        status: 'disputed',
        clawed_back_credits: 10,
      });
      // A refund of the disputed charge on top takes nothing more: the pack is all taken back.
      expect((await send(refunded(sessionId, 500))).body.outcome).toBe('reversed');
      expect(await balanceOf(user.id)).toBe(5);
      expect((await purchaseRow(purchaseId)).status).toBe('disputed');
    });
  });

  describe('the balance, live on the buyer’s open pages', () => {
    it('sends credits.updated with the new balance after a grant and after a clawback, to the buyer only', async () => {
      const { user, token, sessionId } = await aCheckout('starter', 2);
      const other = await aUserWithCredits(api.app, 0);
      const page = await LiveSocket.open(api.url, token);
      const otherPage = await LiveSocket.open(api.url, other.token);
      try {
        expect((await send(completed(sessionId))).body.outcome).toBe('granted');
        // Every event carries its id (a client resumes from the last one it saw).
        expect(await page.next((m) => m.type === 'credits.updated')).toEqual({
          id: expect.stringMatching(/^\d+-\d+$/),
          type: 'credits.updated',
          balance: 12,
        });

        // A 30 % refund: 3 of the pack's 10 credits go back.
        const refund = stripeEvent(
          'charge.refunded',
          stripe.chargeOf(sessionId, { amountRefunded: 150 }),
        );
        expect((await send(refund)).body.outcome).toBe('reversed');
        await page.next((m) => m.type === 'credits.updated' && m.balance === 9);
        // A duplicate changes nothing and says nothing.
        expect((await send(refund)).body.outcome).toBe('duplicate');
        expect(await balanceOf(user.id)).toBe(9);

        // The other user's socket (same api, same channel) was told nothing of it; an event
        // for them, sent after, arrives alone.
        const theirs = await aCheckout('starter', 0);
        const theirPage = await LiveSocket.open(api.url, theirs.token);
        try {
          expect((await send(completed(theirs.sessionId))).body.outcome).toBe('granted');
          await theirPage.next((m) => m.type === 'credits.updated' && m.balance === 10);
        } finally {
          theirPage.close();
        }
        expect(
          page.messages
            .filter((m) => m.type === 'credits.updated')
            .map(({ type, balance }) => ({ type, balance })),
        ).toEqual([
          { type: 'credits.updated', balance: 12 },
          { type: 'credits.updated', balance: 9 },
        ]);
        expect(otherPage.messages.map((m) => m.type)).toEqual(['hello']);
      } finally {
        page.close();
        otherPage.close();
      }
    });
  });

  describe('when Stripe or the api fails', () => {
    it('answers 503 with a stable code when Stripe cannot be reached, and the purchase is marked failed', async () => {
      const { user, token } = await aUserWithCredits(api.app, 0);
      // The SDK's own retries (2) are spent too.
      stripe.failNext(3, 500);
      const before = stripe.requests.length;
      const answer = await api.request('POST', '/api/credits/checkout/', {
        token,
        body: { pack: 'starter' },
      });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 'payment_provider_unavailable' });
      const attempts = stripe.requests.slice(before);
      expect(attempts).toHaveLength(3);
      expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
      const rows = await api.dataSource.query<{ status: string }[]>(
        `SELECT status FROM credit_purchases WHERE user_id = $1`,
        [user.id],
      );
      expect(rows).toEqual([{ status: 'failed' }]);
    });

    it('answers 502 when Stripe refuses the request, and dropped connections are retried by the SDK', async () => {
      const { token } = await aUserWithCredits(api.app, 0);
      stripe.failNext(1, 400);
      const refused = await api.request('POST', '/api/credits/checkout/', {
        token,
        body: { pack: 'starter' },
      });
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ code: 'payment_provider_error' });

      stripe.failNext(1, 'drop');
      const before = stripe.sessions.size;
      const retried = await api.request('POST', '/api/credits/checkout/', {
        token,
        body: { pack: 'starter' },
      });
      expect(retried.status).toBe(201);
      expect(stripe.sessions.size).toBe(before + 1);
    });

    it('grants nothing more when Stripe redelivers an event whose answer was lost after the grant committed', async () => {
      const { user, purchaseId, sessionId } = await aCheckout();
      const { body, headers } = signedDelivery(completed(sessionId), secret);
      // Stripe's side of a lost answer: the request goes out whole, the connection is gone
      // before any answer is read (an api that died after committing looks the same to Stripe).
      await sendAndHangUp(api.url, WEBHOOK_PATH, body, headers);
      await waitFor(
        () => purchaseRow(purchaseId),
        (row) => row.status === 'paid',
        { describe: 'the abandoned delivery to commit its grant' },
      );
      // Stripe, having no answer, delivers the same event again later.
      const redelivery = await httpRequest(api.url, 'POST', WEBHOOK_PATH, { body, headers });
      expect(redelivery.status).toBe(200);
      expect(redelivery.body.outcome).toBe('duplicate');
      expect(await balanceOf(user.id)).toBe(10);
      expect(await purchaseEntries(purchaseId)).toHaveLength(1);
    });

    it('answers 5xx when the grant’s transaction fails, keeps nothing of it, and grants on redelivery', async () => {
      const { user, purchaseId, sessionId } = await aCheckout();
      const event = completed(sessionId);
      // Another session holds the user's row, so the grant's balance update waits past the
      // statement timeout (5 s) after its ledger insert: the transaction fails half-way.
      const blocker: QueryRunner = api.dataSource.createQueryRunner();
      await blocker.connect();
      await blocker.startTransaction();
      try {
        await blocker.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [user.id]);
        const answer = await send(event);
        expect(answer.status).toBeGreaterThanOrEqual(500);
        expect(answer.status).toBe(503);
      } finally {
        await blocker.rollbackTransaction();
        await blocker.release();
      }
      expect(await purchaseEntries(purchaseId)).toEqual([]);
      expect((await purchaseRow(purchaseId)).status).toBe('pending');
      expect(await balanceOf(user.id)).toBe(0);
      expect((await send(event)).body.outcome).toBe('granted');
      expect(await balanceOf(user.id)).toBe(10);
    }, 30_000);
  });
});

describe('buying credits without Stripe keys', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({
      STRIPE_SECRET_KEY: '',
      STRIPE_WEBHOOK_SECRET: '',
      CREDIT_PACKS: JSON.stringify(PACKS),
    });
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(() => api?.close());

  it('says purchasing is off, refuses checkout with 503 purchases_disabled and the webhook with 503', async () => {
    const packs = await api.request('GET', '/api/credits/packs/');
    expect(packs.body).toEqual({ purchases_enabled: false, packs: PACKS });
    const { user, token } = await aUserWithCredits(api.app, 1);
    const checkout = await api.request('POST', '/api/credits/checkout/', {
      token,
      body: { pack: 'starter' },
    });
    expect(checkout.status).toBe(503);
    expect(checkout.body).toMatchObject({ code: 'purchases_disabled' });
    const event = stripeEvent('checkout.session.completed', {
      id: stripeId('cs_test', 58),
      object: 'checkout.session',
      payment_status: 'paid',
      metadata: { user_id: user.id },
    });
    const { body, headers } = signedDelivery(event, newWebhookSecret());
    const webhook = await httpRequest(api.url, 'POST', WEBHOOK_PATH, { body, headers });
    expect(webhook.status).toBe(503);
    expect(webhook.body).toMatchObject({ code: 'purchases_disabled' });
    expect(
      await api.dataSource.query(`SELECT id FROM credit_purchases WHERE user_id = $1`, [user.id]),
    ).toEqual([]);
    const history = await api.request('GET', '/api/credits/purchases/', { token });
    expect(history).toMatchObject({ status: 200, body: { items: [] } });
  });
});

describe('buying credits while Redis (the live events) is down', () => {
  let redis: PrivateRedis;
  let stripe: StripeApiServer;
  let api: TestApi;
  let logs: LogCapture;
  const secret = newWebhookSecret();

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    stripe = await startStripeApiServer();
    logs = captureLogs();
    api = await startTestApi(
      {
        LOG_LEVEL: 'info',
        REDIS_URL: redis.url,
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: secret,
        STRIPE_API_URL: stripe.url,
        CREDIT_PACKS: JSON.stringify(PACKS),
      },
      { logDestination: logs.stream },
    );
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(async () => {
    await api?.close();
    await stripe?.stop();
    await redis?.stop();
  });

  it('still answers 200 granted: the grant is committed, the lost event only logged', async () => {
    const { user, token } = await aUserWithCredits(api.app, 1);
    const checkout = await api.request('POST', '/api/credits/checkout/', {
      token,
      body: { pack: 'starter' },
    });
    expect(checkout.status).toBe(201);
    const purchaseId = checkout.body.purchase_id as string;
    const [{ stripe_session_id: sessionId }] = await api.dataSource.query<
      { stripe_session_id: string }[]
    >(`SELECT stripe_session_id FROM credit_purchases WHERE id = $1`, [purchaseId]);

    await redis.crash();
    try {
      const answer = await deliver(
        api.url,
        stripeEvent('checkout.session.completed', stripe.completeSession(sessionId)),
        secret,
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ outcome: 'granted' });
    } finally {
      await redis.up();
    }
    expect(await api.app.get(CreditsService).balanceOf(user.id)).toBe(11);
    const warnings = logs
      .lines()
      .filter((l) => l.level === 40 && String(l.msg).includes('credits.updated'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toContain(`user ${user.id} not published`);
  }, 30_000);
});

/** A page's WebSocket as the browser opens it (a one-time ticket), recording every message. */
class LiveSocket {
  readonly messages: any[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) =>
      this.messages.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8'))),
    );
  }

  static async open(apiUrl: string, token: string): Promise<LiveSocket> {
    const ticket = await httpRequest(apiUrl, 'POST', '/api/ws/ticket/', { token });
    if (ticket.status !== 201) {
      throw new Error(`no WebSocket ticket: HTTP ${ticket.status}`);
    }
    const socket = new WebSocket(
      `${apiUrl.replace(/^http/, 'ws')}/api/ws?ticket=${ticket.body.ticket}`,
      { handshakeTimeout: 5000 },
    );
    const live = new LiveSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    // Subscribed and registered once it says hello: events published from now on reach it.
    await live.next((m) => m.type === 'hello');
    return live;
  }

  async next(predicate: (message: any) => boolean, timeoutMs = 5000): Promise<any> {
    const messages = await waitFor(
      () => this.messages,
      (all) => all.some(predicate),
      { timeoutMs, intervalMs: 20, describe: 'a matching WebSocket message' },
    );
    return messages.find(predicate);
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Writes one whole HTTP request and closes the connection without reading the answer. */
function sendAndHangUp(
  base: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<void> {
  const { hostname, port } = new URL(base);
  const head = [
    `POST ${path} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.end(`${head}\r\n\r\n${body}`, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}
