// A local stand-in for the part of Stripe's API the api calls, so the real `stripe` SDK can be
// tested end to end (it is pointed here with STRIPE_API_URL): Stripe itself cannot be reached
// from tests, and stripe-mock cannot be installed. It speaks Stripe's wire format as the SDK
// uses it: form-encoded requests with bracketed keys, Bearer keys, idempotency keys, JSON
// objects and errors in Stripe's shapes. It also makes what Stripe later reports about a session
// (a paid session, its charge, refunds and disputes) for the tests' signed webhook events.
import { randomBytes } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** Stripe's ids: a prefix and random characters (`cs_test_a1B2…`). */
export const stripeId = (prefix: string, length = 24): string =>
  `${prefix}_${randomBytes(length).toString('base64url').replace(/[-_]/g, '').slice(0, length)}`;

/** One API request the stand-in received, its form body decoded into nested objects. */
export interface RecordedStripeRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, unknown>;
}

export type StripeObject = Record<string, any>;

export interface StripeApiServer {
  /** `http://127.0.0.1:<port>`: STRIPE_API_URL. */
  url: string;
  /** The secret key it accepts (any other gets Stripe's 401). */
  secretKey: string;
  requests: RecordedStripeRequest[];
  sessions: Map<string, StripeObject>;
  /** The next `count` API calls fail: with Stripe's error at `status`, or a dropped connection. */
  failNext(count: number, how: number | 'drop'): void;
  /** What Stripe says about the session once the buyer paid (or, for a bank debit, not yet). */
  completeSession(sessionId: string, options?: { paid?: boolean }): StripeObject;
  /** The session's charge, as `charge.*` events carry it (with a receipt URL). */
  chargeOf(sessionId: string, options?: { amountRefunded?: number }): StripeObject;
  /** A dispute of the session's charge, as `charge.dispute.created` carries it. */
  disputeOf(sessionId: string, options?: { amount?: number }): StripeObject;
  stop(): Promise<void>;
}

export async function startStripeApiServer(
  secretKey = `sk_test_${randomBytes(12).toString('hex')}`,
): Promise<StripeApiServer> {
  const requests: RecordedStripeRequest[] = [];
  const sessions = new Map<string, StripeObject>();
  const charges = new Map<string, string>();
  const idempotent = new Map<string, { status: number; body: StripeObject }>();
  const faults: (number | 'drop')[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stripe.local');
    const params = decodeForm(
      req.method === 'GET' ? url.searchParams.toString() : raw.toString('utf8'),
    );
    requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, params });
    const fault = faults.shift();
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault !== undefined) {
      return send(res, fault, stripeError('api_error', 'An unknown error occurred (injected).'));
    }
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return send(
        res,
        401,
        stripeError('invalid_request_error', 'Invalid API Key provided: sk_test_****'),
      );
    }
    const key = req.headers['idempotency-key'];
    if (req.method === 'POST' && typeof key === 'string' && idempotent.has(key)) {
      const first = idempotent.get(key)!;
      res.setHeader('idempotent-replayed', 'true');
      return send(res, first.status, first.body);
    }
    const [status, body] = route(req.method ?? '', url.pathname, params);
    if (req.method === 'POST' && typeof key === 'string') {
      idempotent.set(key, { status, body });
    }
    send(res, status, body);
  };

  const route = (
    method: string,
    path: string,
    params: Record<string, any>,
  ): [number, StripeObject] => {
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const problem = checkoutProblem(params);
      if (problem) {
        return [400, stripeError('invalid_request_error', problem.message, problem.param)];
      }
      const session = newSession(params);
      sessions.set(session.id as string, session);
      return [200, session];
    }
    const found = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && found) {
      const session = sessions.get(decodeURIComponent(found[1]));
      return session
        ? [200, session]
        : [
            404,
            stripeError('invalid_request_error', `No such checkout.session: '${found[1]}'`, 'id'),
          ];
    }
    return [
      404,
      stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path}).`),
    ];
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      send(res, 500, stripeError('api_error', String(error))),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const sessionOrThrow = (id: string): StripeObject => {
    const session = sessions.get(id);
    if (!session) {
      throw new Error(`the stand-in made no session ${id}`);
    }
    return session;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    requests,
    sessions,
    failNext(count, how) {
      faults.push(...Array.from({ length: count }, () => how));
    },
    completeSession(id, { paid = true } = {}) {
      const session = sessionOrThrow(id);
      session.status = 'complete';
      session.payment_status = paid ? 'paid' : 'unpaid';
      session.payment_intent ??= stripeId('pi');
      session.customer_details = {
        address: {
          city: null,
          country: 'FR',
          line1: null,
          line2: null,
          postal_code: null,
          state: null,
        },
        business_name: null,
        email: 'buyer@example.com',
        individual_name: null,
        name: 'Ada Buyer',
        phone: null,
        tax_exempt: 'none',
        tax_ids: [],
      };
      return structuredClone(session);
    },
    chargeOf(id, { amountRefunded = 0 } = {}) {
      const session = sessionOrThrow(id);
      const chargeId = charges.get(id) ?? stripeId('ch');
      charges.set(id, chargeId);
      return newCharge(session, chargeId, amountRefunded);
    },
    disputeOf(id, { amount } = {}) {
      const session = sessionOrThrow(id);
      const chargeId = charges.get(id) ?? stripeId('ch');
      charges.set(id, chargeId);
      return newDispute(session, chargeId, amount ?? (session.amount_total as number));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What Stripe refuses in a Checkout Session create, for the parameters the api sends. */
function checkoutProblem(p: Record<string, any>): { message: string; param?: string } | undefined {
  if (!['payment', 'setup', 'subscription'].includes(p.mode)) {
    return { message: 'Missing required param: mode.', param: 'mode' };
  }
  const items = p.line_items as Record<string, any>[] | undefined;
  if (!Array.isArray(items) || items.length === 0) {
    return { message: 'Missing required param: line_items.', param: 'line_items' };
  }
  for (const [i, item] of items.entries()) {
    const data = item.price_data;
    if (!data?.currency || !/^\d+$/.test(String(data.unit_amount ?? ''))) {
      return {
        message: 'Missing required param: line_items[0][price_data][unit_amount].',
        param: `line_items[${i}][price_data]`,
      };
    }
    if (!data.product_data?.name) {
      return {
        message: 'Missing required param: line_items[0][price_data][product_data][name].',
        param: `line_items[${i}][price_data][product_data][name]`,
      };
    }
  }
  if (p.ui_mode !== 'embedded' && !p.success_url) {
    return { message: 'Missing required param: success_url.', param: 'success_url' };
  }
  return undefined;
}

/** A Checkout Session as Stripe answers its create: open, unpaid, with its hosted page's URL. */
function newSession(p: Record<string, any>): StripeObject {
  const id = stripeId('cs_test', 58);
  const created = Math.floor(Date.now() / 1000);
  const items = p.line_items as Record<string, any>[];
  const total = items.reduce(
    (sum, item) => sum + Number(item.price_data.unit_amount) * Number(item.quantity ?? 1),
    0,
  );
  const currency = String(items[0].price_data.currency).toLowerCase();
  // Every top-level field of a Checkout Session (about 70: far more keys than our own bodies).
  return {
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    branding_settings: null,
    cancel_url: p.cancel_url ?? null,
    client_reference_id: p.client_reference_id ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: null,
    customer_account: null,
    customer_creation: 'if_required',
    customer_details: null,
    customer_email: p.customer_email ?? null,
    discounts: [],
    expires_at: created + 24 * 60 * 60,
    integration_identifier: null,
    invoice: null,
    invoice_creation: {
      enabled: false,
      invoice_data: {
        account_tax_ids: null,
        custom_fields: null,
        description: null,
        footer: null,
        issuer: null,
        metadata: {},
        rendering_options: null,
      },
    },
    livemode: false,
    locale: null,
    metadata: p.metadata ?? {},
    mode: p.mode,
    name_collection: null,
    optional_items: null,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: { id: stripeId('pmc'), parent: null },
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card', 'link'],
    payment_status: 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    presentment_details: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: p.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: `https://checkout.stripe.com/c/pay/${id}#${randomBytes(48).toString('base64url')}`,
    wallet_options: null,
  };
}

function newCharge(session: StripeObject, id: string, amountRefunded: number): StripeObject {
  const amount = session.amount_total as number;
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: stripeId('txn'),
    billing_details: {
      address: {
        city: null,
        country: 'FR',
        line1: null,
        line2: null,
        postal_code: null,
        state: null,
      },
      email: 'buyer@example.com',
      name: 'Ada Buyer',
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'AINFOGRAPHIC',
    captured: true,
    created: Math.floor(Date.now() / 1000),
    currency: session.currency,
    customer: null,
    description: null,
    destination: null,
    dispute: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 20,
      seller_message: 'Payment complete.',
      type: 'authorized',
    },
    paid: true,
    payment_intent: session.payment_intent,
    payment_method: stripeId('pm'),
    payment_method_details: {
      card: {
        amount_authorized: amount,
        brand: 'visa',
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        exp_month: 12,
        exp_year: 2034,
        funding: 'credit',
        last4: '4242',
        network: 'visa',
        three_d_secure: null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/payment/${randomBytes(32).toString('base64url')}`,
    refunded: amountRefunded >= amount,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

function newDispute(session: StripeObject, chargeId: string, amount: number): StripeObject {
  return {
    id: stripeId('dp'),
    object: 'dispute',
    amount,
    balance_transactions: [],
    charge: chargeId,
    created: Math.floor(Date.now() / 1000),
    currency: session.currency,
    enhanced_eligibility_types: [],
    evidence: { customer_name: null, product_description: null, uncategorized_text: null },
    evidence_details: {
      due_by: Math.floor(Date.now() / 1000) + 7 * 24 * 3600,
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: session.payment_intent,
    payment_method_details: { card: { brand: 'visa', network_reason_code: '10.4' }, type: 'card' },
    reason: 'fraudulent',
    status: 'needs_response',
  };
}

function stripeError(type: string, message: string, param?: string): StripeObject {
  return {
    error: {
      type,
      message,
      ...(param ? { param } : {}),
      request_log_url: `https://dashboard.stripe.com/test/logs/${stripeId('req', 14)}`,
    },
  };
}

function send(res: ServerResponse, status: number, body: StripeObject): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': stripeId('req', 14),
    'stripe-version': '2026-10-28.endive',
  });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Stripe's form encoding: `a[b][0][c]=v` is `{ a: { b: [{ c: 'v' }] } }` (numeric keys make
 * arrays). Values stay strings, as on Stripe's side.
 */
export function decodeForm(body: string): Record<string, any> {
  const root: Record<string, any> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: any = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      node[part] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
      node = node[part];
    });
  }
  return root;
}
