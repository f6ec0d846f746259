// Hostile input: property-based fuzzing of the create body and the webhook body, forged and
// replayed webhooks, cross-user access (IDOR) and token handling. The rule everywhere: a client
// error is a 4xx (never a 5xx), and a 4xx charges nothing and changes nothing.
import { randomBytes, randomUUID } from 'node:crypto';

import { ApiTokensService } from '@app/auth';
import { InfographPipeline } from '@app/pipeline';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';

import { buildFalSim, falSimUrl } from '../../apps/fal-sim/src/fal-sim.app';
import { aUserWithCredits } from '../support/factories';
import {
  issuedWebhookPath,
  privateKeyFromSeed,
  signedWebhookHeaders,
  strangerKey,
} from '../support/fal-webhook-signing';
import { assertLedgerConsistent } from '../support/ledger';
import { httpRequest, startTestApi, TestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const NUM_RUNS = Number(process.env.HOSTILE_NUM_RUNS ?? 120);
const SEED = randomBytes(32).toString('hex');
const FAL_KEY = privateKeyFromSeed(Buffer.from(SEED, 'hex'));

/** Deeply nested JSON text, built as text so that building it cannot overflow our own stack. */
const nested = (depth: number, open: string, close: string, leaf = '1') =>
  `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;

describe('hostile input', () => {
  let sim: FastifyInstance;
  let api: TestApi;

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    api.dataSource.query<T[]>(sql, params);

  /** What a user owns right now: balance, ledger length, infographs and their states. */
  const snapshot = async (userId: string) => ({
    balance: (await q<{ balance: number }>(`SELECT balance FROM users WHERE id = $1`, [userId]))[0]
      .balance,
    ledger: (
      await q<{ n: number }>(`SELECT count(*)::int AS n FROM credit_ledger WHERE user_id = $1`, [
        userId,
      ])
    )[0].n,
    infographs: await q(
      `SELECT id, status, fal_request_id, fal_image_url, image_url, error_message
         FROM infographs WHERE user_id = $1 ORDER BY id`,
      [userId],
    ),
  });

  /** An infograph of `token`'s user, moved to processing with a fal request id as the worker would. */
  const processingInfograph = async (token: string): Promise<{ id: string; requestId: string }> => {
    const created = await api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'A target infographic' },
    });
    expect(created.status).toBe(201);
    const id = created.body.infographs[0].id as string;
    const requestId = randomUUID();
    await q(
      `UPDATE infographs SET status = 'processing', fal_request_id = $2, submitted_at = now() WHERE id = $1`,
      [id, requestId],
    );
    return { id, requestId };
  };

  const okEnvelope = (requestId: string) =>
    JSON.stringify({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'OK',
      payload: {
        images: [
          {
            url: `${falSimUrl(sim)}/files/${requestId}-0.png`,
            content_type: 'image/png',
            file_name: `${requestId}-0.png`,
            file_size: 100,
            width: 1024,
            height: 576,
          },
        ],
        seed: 1,
        has_nsfw_concepts: [false],
      },
    });

  /** Posts to the URL our worker would have given fal for `id` (its token included). */
  const postWebhook = (id: string, body: string | Buffer, headers: Record<string, string>) =>
    fetch(`${api.url}${issuedWebhookPath(id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (r) => ({ status: r.status, body: await r.text() }));

  const deliveries = async (infographId: string) =>
    q<{ outcome: string; fal_request_id: string | null }>(
      `SELECT outcome, fal_request_id FROM fal_webhook_deliveries WHERE infograph_id = $1 ORDER BY received_at`,
      [infographId],
    );

  beforeAll(async () => {
    sim = await buildFalSim({
      port: 0,
      host: '127.0.0.1',
      latencyMs: 50,
      seed: 'hostile',
      privateKey: SEED,
      logger: false,
    });
    api = await startTestApi({
      FAL_SIM_PORT: new URL(falSimUrl(sim)).port,
      // Its own queue namespace: nothing consumes these submit jobs, nothing else sees them.
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-hostile`,
    });
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(async () => {
    await api?.close();
    await sim?.close();
  });

  describe('create body (property-based)', () => {
    const validish = fc.record(
      {
        prompt: fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 60 }),
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.constantFrom('', ' ', '\u0000', 'x'.repeat(4001), '\uD800', '🦄'.repeat(2001)),
          fc.anything(),
        ),
        blog_url: fc.oneof(
          fc.webUrl(),
          fc.constantFrom('javascript:alert(1)', 'file:///etc/passwd', 'http://', 'x'.repeat(3000)),
          fc.anything(),
        ),
        aspect_ratio: fc.oneof(
          fc.constantFrom('16:9', '16/9', '1:1', '0:0', '16:9:1'),
          fc.anything(),
        ),
        resolution: fc.oneof(fc.constantFrom('1K', '2K', '4K', '8K', '1k'), fc.anything()),
        number_of_infographs: fc.oneof(
          fc.integer({ min: -5, max: 10 }),
          fc.constantFrom(1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, '2', null, true),
          fc.anything(),
        ),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );

    it('answers 2xx or 4xx to any JSON body, and a 4xx charges nothing', async () => {
      const { user, token } = await aUserWithCredits(api.app, 1_000_000);
      await fc.assert(
        fc.asyncProperty(fc.oneof(validish, fc.jsonValue(), fc.anything()), async (body) => {
          const before = await snapshot(user.id);
          let text: string;
          try {
            text = JSON.stringify(body) ?? 'null';
          } catch {
            text = 'null';
          }
          const response = await httpRequest(api.url, 'POST', '/api/infographs/create/', {
            token,
            body: text,
          });
          const after = await snapshot(user.id);
          const created = response.status === 201;
          // 201 charges exactly what it says and creates what it says; a 4xx changes nothing.
          expect({
            status: created || (response.status >= 400 && response.status < 500),
            balance: after.balance,
            ledger: after.ledger,
            infographs: after.infographs.length,
          }).toEqual({
            status: true,
            balance: before.balance - (created ? response.body.credits_used : 0),
            ledger: before.ledger + (created ? 1 : 0),
            infographs: before.infographs.length + (created ? response.body.total_submitted : 0),
          });
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('refuses raw garbage, huge, deeply nested and prototype-polluting bodies with a 4xx', async () => {
      const { user, token } = await aUserWithCredits(api.app, 100);
      const before = await snapshot(user.id);
      const bodies: [string, string, string?][] = [
        ['malformed JSON', '{"prompt": "x",'],
        ['not JSON at all', '\u0000\u0001\u0002'],
        ['empty body', ''],
        ['a JSON string', '"prompt"'],
        ['an array', '[{"prompt":"x"}]'],
        [
          'huge prompt (1 MB, over the body limit)',
          JSON.stringify({ prompt: 'x'.repeat(1 << 20) }),
        ],
        ['deep nesting in prompt (arrays)', `{"prompt": ${nested(5000, '[', ']')}}`],
        ['deep nesting in prompt (objects)', `{"prompt": ${nested(5000, '{"a":', '}')}}`],
        ['deep nesting in an unknown field', `{"prompt":"x","z": ${nested(20000, '[', ']')}}`],
        ['__proto__ pollution', '{"prompt":"x","__proto__":{"isAdmin":true,"balance":1e9}}'],
        ['constructor.prototype pollution', '{"prompt":"x","constructor":{"prototype":{"x":1}}}'],
        ['duplicate keys', '{"prompt":"x","number_of_infographs":1,"number_of_infographs":1e9}'],
        ['form body', 'prompt=x', 'application/x-www-form-urlencoded'],
        ['text body', 'prompt', 'text/plain'],
        ['wrong charset', JSON.stringify({ prompt: 'x' }), 'application/json; charset=utf-16'],
      ];
      const seen: Record<string, number> = {};
      for (const [name, body, contentType] of bodies) {
        const response = await httpRequest(api.url, 'POST', '/api/infographs/create/', {
          token,
          body,
          headers: contentType ? { 'content-type': contentType } : {},
        });
        seen[name] = response.status;
      }
      const serverErrors = Object.entries(seen).filter(([, status]) => status >= 500);
      expect(serverErrors).toEqual([]);
      // Other encodings of a valid body (a form, a charset parameter) may be accepted; everything
      // else must be refused. "duplicate keys" takes the last value (1e9 → 400).
      const mayCreate = ['form body', 'wrong charset'];
      expect(
        Object.entries(seen).filter(([name, status]) => status < 400 && !mayCreate.includes(name)),
      ).toEqual([]);
      const after = await snapshot(user.id);
      const created = after.infographs.length - before.infographs.length;
      expect(created).toBe(mayCreate.filter((name) => seen[name] === 201).length);
      expect(after.balance).toBe(before.balance - created);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('answers 401 (never 5xx) to missing and malformed Authorization headers, charging no one', async () => {
      const { user } = await aUserWithCredits(api.app, 10);
      const before = await snapshot(user.id);
      await fc.assert(
        fc.asyncProperty(
          fc.option(
            fc.oneof(
              fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
              fc.constantFrom(
                'Token',
                'Token ',
                'Bearer  ',
                'Basic dXNlcjpwYXNz',
                `Token ${'a'.repeat(10_000)}`,
              ),
              fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map((s) => `Token ${s}`),
            ),
            { nil: undefined },
          ),
          async (authorization) => {
            const headers: Record<string, string> = {};
            // fetch sends only printable header values, and drops empty ones.
            if (authorization !== undefined && authorization.trim() !== '') {
              headers.authorization = authorization.trim();
            }
            const response = await httpRequest(api.url, 'POST', '/api/infographs/create/', {
              body: { prompt: 'x' },
              headers,
            });
            expect([400, 401, 431]).toContain(response.status);
          },
        ),
        { numRuns: NUM_RUNS },
      );
      expect(await snapshot(user.id)).toEqual(before);
    });

    it('answers 4xx to hostile Idempotency-Key headers without charging', async () => {
      const { user, token } = await aUserWithCredits(api.app, 10);
      const before = await snapshot(user.id);
      const seen: Record<string, number> = {};
      for (const key of ['', ' ', 'a'.repeat(256), 'tab\there', 'é', 'x'.repeat(8000)]) {
        const response = await httpRequest(api.url, 'POST', '/api/infographs/create/', {
          token,
          body: { prompt: 'x' },
          headers: { 'idempotency-key': key },
        });
        seen[key.slice(0, 12)] = response.status;
      }
      // An empty header is the same as none (that one may create); every other one is a 4xx.
      const { '': empty, ' ': blank, ...rest } = seen;
      expect([empty, blank].every((s) => s < 500)).toBe(true);
      expect(Object.entries(rest).filter(([, s]) => s < 400 || s >= 500)).toEqual([]);
      const after = await snapshot(user.id);
      const created = after.infographs.length - before.infographs.length;
      expect(after.balance).toBe(before.balance - created);
    });
  });

  describe('other user-facing inputs (property-based)', () => {
    it('answers 2xx/4xx to any query string, cursor and id', async () => {
      const { token } = await aUserWithCredits(api.app, 5);
      const cursorText = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc
          .tuple(
            fc.oneof(
              fc.constantFrom('1', '0', '-1', '99999', '+275760-09-13T00:00:00.000Z', '2020-13-45'),
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              fc.string({ maxLength: 20 }),
            ),
            fc.oneof(
              fc.uuid(),
              fc.constantFrom('00000000-0000-0000-0000-000000000000', '-'.repeat(36)),
            ),
          )
          .map(([date, id]) => `${date}|${id}`),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            {
              status: fc.oneof(fc.constantFrom('pending', 'failed', 'nope'), fc.string()),
              limit: fc.oneof(fc.integer({ min: -10, max: 1000 }).map(String), fc.string()),
              cursor: fc.oneof(
                cursorText.map((t) => Buffer.from(t).toString('base64url')),
                fc.string(),
              ),
            },
            { requiredKeys: [] },
          ),
          fc.oneof(fc.uuid(), fc.string({ maxLength: 100 })),
          async (query, id) => {
            const qs = new URLSearchParams(query as Record<string, string>).toString();
            const list = await httpRequest(api.url, 'GET', `/api/infographs/?${qs}`, { token });
            expect({ qs, status: list.status }).toEqual({
              qs,
              status: list.status < 500 ? list.status : 'a 4xx',
            });
            const one = await httpRequest(
              api.url,
              'GET',
              `/api/infographs/status/${encodeURIComponent(id)}/`,
              { token },
            );
            expect(one.status).toBeLessThan(500);
            const file = await httpRequest(api.url, 'GET', `/files/${encodeURIComponent(id)}`);
            expect(file.status).toBeLessThan(500);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });

    it('does not serve files outside the storage folder', async () => {
      for (const path of [
        '/files/../../../../etc/passwd',
        '/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
        '/files/..%2f..%2f..%2fetc%2fpasswd',
        '/files/%00',
        '/files/.meta/x.json',
      ]) {
        const response = await fetch(`${api.url}${path}`);
        const text = await response.text();
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
        expect(text).not.toContain('root:');
      }
    });
  });

  describe('webhook body (property-based)', () => {
    it('answers 401 to any unsigned body and changes nothing', async () => {
      const { user, token } = await aUserWithCredits(api.app, 5);
      const target = await processingInfograph(token);
      const before = await snapshot(user.id);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.jsonValue(), fc.anything()),
          fc.record(
            {
              'x-fal-webhook-request-id': fc.oneof(
                fc.constant(target.requestId),
                fc.string({ unit: 'grapheme-ascii' }),
              ),
              'x-fal-webhook-user-id': fc.string({ unit: 'grapheme-ascii' }),
              'x-fal-webhook-timestamp': fc.oneof(
                fc.integer({ min: 0, max: 2 ** 40 }).map(String),
                fc.constant(String(Math.floor(Date.now() / 1000))),
                fc.string({ unit: 'grapheme-ascii' }),
              ),
              'x-fal-webhook-signature': fc.oneof(
                fc.string({ unit: 'grapheme-ascii' }),
                fc
                  .uint8Array({ minLength: 64, maxLength: 64 })
                  .map((b) => Buffer.from(b).toString('hex')),
              ),
            },
            { requiredKeys: [] },
          ),
          async (json, rawHeaders) => {
            const headers = Object.fromEntries(
              Object.entries(rawHeaders).filter(([, v]) => v.trim() !== ''),
            );
            let body: string;
            try {
              body = JSON.stringify(json) ?? 'null';
            } catch {
              body = 'null';
            }
            const response = await postWebhook(target.id, body, headers);
            // 401; or 400 when Fastify's JSON parser refuses the body first (e.g. `__proto__`).
            expect([400, 401]).toContain(response.status);
          },
        ),
        { numRuns: NUM_RUNS },
      );
      expect(await snapshot(user.id)).toEqual(before);
    });

    it('answers 2xx/4xx to any validly signed body, and garbage changes nothing', async () => {
      const { user, token } = await aUserWithCredits(api.app, 5);
      const target = await processingInfograph(token);
      const before = await snapshot(user.id);
      const envelopeish = fc.record(
        {
          request_id: fc.oneof(fc.constant(target.requestId), fc.uuid(), fc.anything()),
          status: fc.oneof(fc.constantFrom('OK', 'ERROR', 'ok', ''), fc.anything()),
          payload: fc.oneof(
            fc.constant(null),
            fc.record({
              images: fc.oneof(
                fc.constant([]),
                fc.array(fc.anything(), { maxLength: 3 }),
                fc.anything(),
              ),
            }),
            fc.anything(),
          ),
          error: fc.anything(),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof(envelopeish, fc.jsonValue(), fc.anything()), async (json) => {
          let body: string;
          try {
            body = JSON.stringify(json) ?? 'null';
          } catch {
            body = 'null';
          }
          const response = await postWebhook(
            target.id,
            body,
            signedWebhookHeaders(FAL_KEY, target.requestId, body),
          );
          expect({ body: body.slice(0, 200), status: response.status }).toEqual({
            body: body.slice(0, 200),
            status: response.status < 500 ? response.status : 'a 2xx or 4xx',
          });
        }),
        { numRuns: NUM_RUNS },
      );
      // Random bodies may legitimately fail it (a signed ERROR) or record an image (a signed OK):
      // whatever happened, it happened through the state machine, and the ledger check holds.
      const after = await snapshot(user.id);
      const [row] = after.infographs.filter((i) => i.id === target.id) as { status: string }[];
      expect(['processing', 'failed']).toContain(row.status);
      expect(after.balance).toBe(before.balance + (row.status === 'failed' ? 1 : 0));
    });

    it('answers 2xx/4xx to a signed deep-nested body', async () => {
      const { token } = await aUserWithCredits(api.app, 5);
      const target = await processingInfograph(token);
      for (const body of [
        `{"request_id":"${target.requestId}","status":"OK","payload":${nested(5000, '{"images":', '}')}}`,
        `{"request_id":"${target.requestId}","status":"ERROR","payload":{"detail":${nested(5000, '[', ']')}}}`,
      ]) {
        const response = await postWebhook(
          target.id,
          body,
          signedWebhookHeaders(FAL_KEY, target.requestId, body),
        );
        expect(response.status).toBeLessThan(500);
      }
    });
  });

  describe('a webhook that beats the worker', () => {
    it('records the signed request id of a still-pending infograph and applies the result once', async () => {
      const { token } = await aUserWithCredits(api.app, 1);
      const created = await api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: 'fast fal' },
      });
      const id = created.body.infographs[0].id as string;
      const requestId = randomUUID();
      const body = okEnvelope(requestId);
      const first = await postWebhook(id, body, signedWebhookHeaders(FAL_KEY, requestId, body));
      expect(first.status).toBe(200);
      const [row] = await q<{ status: string; fal_request_id: string; fal_image_url: string }>(
        `SELECT status, fal_request_id, fal_image_url FROM infographs WHERE id = $1`,
        [id],
      );
      expect(row).toMatchObject({ status: 'processing', fal_request_id: requestId });
      expect(row.fal_image_url).toContain(requestId);
      // The worker's own save of the same id then agrees; another id would be a surplus request.
      const other = randomUUID();
      const surplus = await postWebhook(
        id,
        okEnvelope(other),
        signedWebhookHeaders(FAL_KEY, other, okEnvelope(other)),
      );
      expect(surplus.status).toBe(200);
      expect(JSON.parse(surplus.body)).toEqual({ received: true, outcome: 'orphan' });
      expect((await deliveries(id)).map((d) => d.outcome)).toEqual(['accepted', 'orphan']);
    });
  });

  describe('every verified delivery is recorded, refused ones included', () => {
    it('records a signed body that is not a fal body as invalid_body, and answers 400', async () => {
      const { token } = await aUserWithCredits(api.app, 1);
      const target = await processingInfograph(token);
      const body = JSON.stringify({ request_id: target.requestId, status: 'MAYBE' });
      const response = await postWebhook(
        target.id,
        body,
        signedWebhookHeaders(FAL_KEY, target.requestId, body),
      );
      expect(response.status).toBe(400);
      expect(await deliveries(target.id)).toEqual([
        { outcome: 'invalid_body', fal_request_id: target.requestId },
      ]);
    });

    it('records a signed delivery for an infograph that does not exist as unknown_infograph, and answers 404', async () => {
      const id = randomUUID();
      const requestId = randomUUID();
      const body = okEnvelope(requestId);
      const response = await postWebhook(id, body, signedWebhookHeaders(FAL_KEY, requestId, body));
      expect(response.status).toBe(404);
      expect(await deliveries(id)).toEqual([
        { outcome: 'unknown_infograph', fal_request_id: requestId },
      ]);
    });

    it('records an unsigned delivery (verification off) for an infograph not submitted yet as not_submitted, and answers 503', async () => {
      const unverified = await startTestApi({
        FAL_SIM_PORT: new URL(falSimUrl(sim)).port,
        QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-hostile`,
        FAL_WEBHOOK_VERIFY: 'false',
      });
      try {
        const { token } = await aUserWithCredits(api.app, 1);
        const created = await api.request('POST', '/api/infographs/create/', {
          token,
          body: { prompt: 'not yet' },
        });
        const id = created.body.infographs[0].id as string;
        const body = JSON.stringify({ images: [{ url: 'https://fal.media/x.png' }] });
        const response = await fetch(`${unverified.url}${issuedWebhookPath(id)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect(response.status).toBe(503);
        expect(await deliveries(id)).toEqual([{ outcome: 'not_submitted', fal_request_id: null }]);
      } finally {
        await unverified.close();
      }
    });

    it('ignores a signed delivery for an infograph that failed before it was submitted (200, recorded)', async () => {
      const { token } = await aUserWithCredits(api.app, 1);
      const created = await api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: 'failed early' },
      });
      const id = created.body.infographs[0].id as string;
      // What a blog that cannot be read, or the reconciler giving up on a stuck pending row, does.
      expect(
        await api.app
          .get(InfographPipeline)
          .fail(id, { code: 'internal_error', reason: 'gave up', reasonClass: 'other' }),
      ).toBe(true);
      const requestId = randomUUID();
      const body = okEnvelope(requestId);
      const response = await postWebhook(id, body, signedWebhookHeaders(FAL_KEY, requestId, body));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ received: true, outcome: 'ignored_terminal' });
      expect(await deliveries(id)).toEqual([
        { outcome: 'ignored_terminal', fal_request_id: requestId },
      ]);
      const [row] = await q<{ status: string; fal_request_id: string | null }>(
        `SELECT status, fal_request_id FROM infographs WHERE id = $1`,
        [id],
      );
      expect(row).toEqual({ status: 'failed', fal_request_id: null });
    });
  });

  describe('another fal customer aiming deliveries at our webhook', () => {
    /** What an attacker with their own fal account can do: have fal deliver THEIR request to our URL. */
    const deliverForeignRequest = async (target: string, prompt: string) => {
      const submitted = await fetch(
        `${falSimUrl(sim)}/fal-ai/nano-banana-pro?fal_webhook=${encodeURIComponent(target)}`,
        {
          method: 'POST',
          headers: { authorization: 'Key attacker:secret', 'content-type': 'application/json' },
          body: JSON.stringify({ prompt, aspect_ratio: '1:1' }),
        },
      );
      expect(submitted.status).toBe(200);
      return ((await submitted.json()) as { request_id: string }).request_id;
    };

    it.each([
      ['an OK', 'take it over'],
      ['an ERROR', 'fail it [sim:fail]'],
    ])(
      'cannot move a pending infograph with %s delivery signed by fal for a foreign request',
      async (_kind, prompt) => {
        const { user, token } = await aUserWithCredits(api.app, 5);
        const created = await api.request('POST', '/api/infographs/create/', {
          token,
          body: { prompt: 'held pending (nothing submits it in this suite)' },
        });
        const id = created.body.infographs[0].id as string;
        const before = await snapshot(user.id);
        // Every guess an attacker can make at the URL: ours without a token, and a made-up token.
        const base = `${api.url}/api/infographs/webhook/${id}/`;
        const foreign = [
          await deliverForeignRequest(base, prompt),
          await deliverForeignRequest(
            `${base}?token=${randomBytes(32).toString('base64url')}`,
            prompt,
          ),
        ];
        await waitFor(
          () => deliveries(id),
          (seen) => seen.length === foreign.length,
          { describe: 'fal-sim to deliver both foreign requests' },
        );
        expect(await snapshot(user.id)).toEqual(before);
        expect(
          (await deliveries(id)).sort((a, b) => (a.fal_request_id! < b.fal_request_id! ? -1 : 1)),
        ).toEqual(
          foreign.sort().map((requestId) => ({ outcome: 'orphan', fal_request_id: requestId })),
        );
      },
    );
  });

  describe('forged and replayed webhooks', () => {
    it('refuses a signature from another key: 401, recorded, nothing changed', async () => {
      const { user, token } = await aUserWithCredits(api.app, 5);
      const target = await processingInfograph(token);
      const before = await snapshot(user.id);
      const body = okEnvelope(target.requestId);
      const response = await postWebhook(
        target.id,
        body,
        signedWebhookHeaders(strangerKey(), target.requestId, body),
      );
      expect(response.status).toBe(401);
      expect(await snapshot(user.id)).toEqual(before);
      const [{ n }] = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM fal_webhook_deliveries WHERE outcome = 'invalid_signature' AND received_at > now() - interval '1 minute'`,
      );
      expect(n).toBeGreaterThan(0);
    });

    it('refuses a replayed old delivery (stale timestamp) and a tampered body', async () => {
      const { user, token } = await aUserWithCredits(api.app, 5);
      const target = await processingInfograph(token);
      const before = await snapshot(user.id);
      const body = okEnvelope(target.requestId);
      const stale = signedWebhookHeaders(FAL_KEY, target.requestId, body, {
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      });
      expect((await postWebhook(target.id, body, stale)).status).toBe(401);
      const future = signedWebhookHeaders(FAL_KEY, target.requestId, body, {
        timestamp: Math.floor(Date.now() / 1000) + 3600,
      });
      expect((await postWebhook(target.id, body, future)).status).toBe(401);
      const fresh = signedWebhookHeaders(FAL_KEY, target.requestId, body);
      const tampered = body.replace('"OK"', '"ERROR"');
      expect((await postWebhook(target.id, tampered, fresh)).status).toBe(401);
      expect(await snapshot(user.id)).toEqual(before);
    });

    it('treats an exact replay of a valid delivery as a duplicate: applied once', async () => {
      const { user, token } = await aUserWithCredits(api.app, 5);
      const target = await processingInfograph(token);
      const body = JSON.stringify({
        request_id: target.requestId,
        status: 'OK',
        payload: { images: [{ url: 'http://127.0.0.1:9/x.png', content_type: 'image/png' }] },
      });
      const headers = signedWebhookHeaders(FAL_KEY, target.requestId, body);
      const first = await postWebhook(target.id, body, headers);
      expect(first.status).toBe(200);
      const afterFirst = await snapshot(user.id);
      expect(afterFirst.infographs).toEqual([
        expect.objectContaining({ id: target.id, fal_image_url: 'http://127.0.0.1:9/x.png' }),
      ]);
      for (let i = 0; i < 3; i += 1) {
        expect((await postWebhook(target.id, body, headers)).status).toBe(200);
      }
      expect(await snapshot(user.id)).toEqual(afterFirst);
      const outcomes = await q<{ outcome: string }>(
        `SELECT outcome FROM fal_webhook_deliveries WHERE infograph_id = $1 ORDER BY received_at`,
        [target.id],
      );
      expect(outcomes.map((o) => o.outcome)).toEqual([
        'accepted',
        'duplicate',
        'duplicate',
        'duplicate',
      ]);
    });

    it("does not apply A's valid delivery posted to B's URL (orphan), nor a body naming B under A's signature (mismatch)", async () => {
      const alice = await aUserWithCredits(api.app, 5);
      const bob = await aUserWithCredits(api.app, 5);
      const a = await processingInfograph(alice.token);
      const b = await processingInfograph(bob.token);
      const beforeA = await snapshot(alice.user.id);
      const beforeB = await snapshot(bob.user.id);

      const bodyA = okEnvelope(a.requestId);
      const toB = await postWebhook(b.id, bodyA, signedWebhookHeaders(FAL_KEY, a.requestId, bodyA));
      // Recorded and never applied; 2xx so fal does not deliver it again.
      expect(toB.status).toBe(200);
      expect(await deliveries(b.id)).toEqual([{ outcome: 'orphan', fal_request_id: a.requestId }]);

      const bodyNamingB = okEnvelope(b.requestId);
      const mismatch = await postWebhook(
        b.id,
        bodyNamingB,
        signedWebhookHeaders(FAL_KEY, a.requestId, bodyNamingB),
      );
      expect(mismatch.status).toBe(409);
      expect((await deliveries(b.id)).map((d) => d.outcome)).toEqual(['orphan', 'mismatch']);

      expect(await snapshot(bob.user.id)).toEqual(beforeB);
      expect(await snapshot(alice.user.id)).toEqual(beforeA);
    });

    it('answers 404 (not 5xx) for a signed delivery to an unknown or malformed infograph id', async () => {
      const requestId = randomUUID();
      const body = okEnvelope(requestId);
      for (const id of [randomUUID(), 'not-a-uuid', '%00', 'x'.repeat(2000)]) {
        const response = await postWebhook(
          id,
          body,
          signedWebhookHeaders(FAL_KEY, requestId, body),
        );
        // 404, or 414 for a path too long to route: a 4xx either way.
        expect({ id: id.slice(0, 40), status: response.status }).toEqual({
          id: id.slice(0, 40),
          status: id.length > 1000 ? 414 : 404,
        });
      }
    });
  });

  describe('IDOR: another user’s ids', () => {
    it('answers 404 on every endpoint that takes an id, and changes nothing', async () => {
      const alice = await aUserWithCredits(api.app, 5);
      const mallory = await aUserWithCredits(api.app, 5);
      const a = await processingInfograph(alice.token);
      const beforeA = await snapshot(alice.user.id);
      const beforeM = await snapshot(mallory.user.id);

      const status = await api.request('GET', `/api/infographs/status/${a.id}/`, {
        token: mallory.token,
      });
      expect(status.status).toBe(404);
      expect(JSON.stringify(status.body)).not.toContain(a.requestId);

      const list = await api.request('GET', `/api/infographs/?limit=100`, { token: mallory.token });
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(a.id);

      // Alice's own cursor (pointing into her history) shows Mallory nothing of Alice's.
      const aliceRow = (
        await q<{ created_at: Date }>(`SELECT created_at FROM infographs WHERE id = $1`, [a.id])
      )[0];
      const cursor = Buffer.from(
        `${new Date(aliceRow.created_at.getTime() + 1000).toISOString()}|${a.id}`,
      ).toString('base64url');
      const paged = await api.request('GET', `/api/infographs/?cursor=${cursor}`, {
        token: mallory.token,
      });
      expect(paged.status).toBe(200);
      expect(paged.body.items.map((i: { id: string }) => i.id)).not.toContain(a.id);

      const me = await api.request('GET', '/api/me/', { token: mallory.token });
      expect(JSON.stringify(me.body)).not.toContain(alice.user.id);
      const credits = await api.request('GET', '/api/credits/', { token: mallory.token });
      expect(credits.body.balance).toBe(beforeM.balance);
      expect(JSON.stringify(credits.body)).not.toContain(a.id);

      // An idempotency key Alice used means nothing for Mallory: hers is not replayed to him.
      const key = `idor-${randomUUID()}`;
      const aliceCreate = await api.request('POST', '/api/infographs/create/', {
        token: alice.token,
        body: { prompt: 'mine' },
        headers: { 'idempotency-key': key },
      });
      const malloryCreate = await api.request('POST', '/api/infographs/create/', {
        token: mallory.token,
        body: { prompt: 'mine' },
        headers: { 'idempotency-key': key },
      });
      expect(malloryCreate.status).toBe(201);
      expect(malloryCreate.body.infographs[0].id).not.toBe(aliceCreate.body.infographs[0].id);

      const afterA = await snapshot(alice.user.id);
      expect(afterA.infographs.filter((i) => i.id === a.id)).toEqual(
        beforeA.infographs.filter((i) => i.id === a.id),
      );
    });
  });

  describe('tokens', () => {
    it('stores only a hash, refuses a revoked token, and refuses near-miss tokens', async () => {
      const { user, token } = await aUserWithCredits(api.app, 5);
      const rows = await q<Record<string, unknown>>(`SELECT * FROM api_tokens WHERE user_id = $1`, [
        user.id,
      ]);
      expect(rows).toHaveLength(1);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.slice(4)); // not even without its prefix
      expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect((rows[0].token_prefix as string).length).toBeLessThanOrEqual(12);

      expect((await api.request('GET', '/api/me/', { token })).status).toBe(200);
      for (const nearMiss of [
        token.slice(0, -1),
        `${token}x`,
        token.toUpperCase(),
        rows[0].token_hash as string,
      ]) {
        expect((await api.request('GET', '/api/me/', { token: nearMiss })).status).toBe(401);
      }

      const record = await api.app.get(ApiTokensService).findByPlainToken(token);
      expect(await api.app.get(ApiTokensService).revoke(record!.id)).toBe(true);
      const before = await snapshot(user.id);
      expect((await api.request('GET', '/api/me/', { token })).status).toBe(401);
      const create = await api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: 'after revocation' },
      });
      expect(create.status).toBe(401);
      expect(await snapshot(user.id)).toEqual(before);
    });
  });
});
