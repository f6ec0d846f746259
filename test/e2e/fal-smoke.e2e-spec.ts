import type { FastifyInstance } from 'fastify';

import { buildFalSim, falSimUrl } from '../../apps/fal-sim/src/fal-sim.app';
import { runNode } from '../support/processes';

/**
 * `npm run cli -- fal:smoke` (the built CLI) against a fal-sim of the test's own: the checklist
 * must report what fal-sim actually sent, through the product's gateway and verifier. Empty
 * values keep a developer's .env out (they mean "unset" to the config).
 */
describe('CLI fal:smoke against fal-sim', () => {
  let sim: FastifyInstance;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = await buildFalSim({
      port: 0,
      host: '127.0.0.1',
      // Long enough for the 1 s polls to see IN_QUEUE and IN_PROGRESS (each a third or more).
      latencyMs: 3000,
      seed: 'fal-smoke',
      userId: 'fal-sim-smoke-user',
      // A retry more than a second later, so its signed timestamp can differ from the first's.
      webhookRetryBaseMs: 1500,
      logger: false,
    });
    env = {
      FAL_KEY: '',
      FAL_QUEUE_URL: '',
      FAL_JWKS_URL: '',
      FAL_MEDIA_HOSTS: '',
      FAL_SIM_URL: falSimUrl(sim),
      FAL_WEBHOOK_USER_ID: 'fal-sim-smoke-user',
    };
  });
  afterAll(() => sim?.close());

  const smoke = (args: string[], extra: Record<string, string> = {}) =>
    runNode('scripts/cli.js', ['fal:smoke', ...args], { ...env, ...extra }, 60_000);

  /** What fal-sim itself recorded of a request (its admin API) and publishes as keys. */
  async function simFacts(requestId: string) {
    const simUrl = falSimUrl(sim);
    const request = (await (await fetch(`${simUrl}/_sim/requests/${requestId}`)).json()) as {
      gatewayRequestId: string;
      output: Record<string, unknown> & { images: Record<string, unknown>[] };
      failure: { error: string };
      webhook: { attempts: { statusCode?: number }[] };
    };
    const jwks = (await (await fetch(`${simUrl}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    return { request, jwks: jwks.keys };
  }

  it('makes one image end to end and reports, as JSON, what fal-sim sent', async () => {
    const run = await smoke(['--timeout', '30', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const simUrl = falSimUrl(sim);
    const requestId: string = report.request_id;
    const { request, jwks } = await simFacts(requestId);
    const output = request.output;
    expect(report).toMatchObject({
      ok: true,
      problems: [],
      target: 'fal-sim',
      model: 'fal-ai/nano-banana-pro',
      queue_url: simUrl,
      jwks: { url: `${simUrl}/.well-known/jwks.json`, http_status: 200 },
      submit: {
        http_status: 200,
        request_id: requestId,
        gateway_request_id: request.gatewayRequestId,
      },
      result: {
        http_status: 200,
        x_fal_request_id: requestId,
        fields: Object.keys(output).sort(),
        image_fields: Object.keys(output.images[0]).sort(),
        seed_present: 'seed' in output,
        has_nsfw_concepts_present: 'has_nsfw_concepts' in output,
        width: output.images[0].width ?? null,
        height: output.images[0].height ?? null,
      },
      image: {
        url: output.images[0].url,
        host: new URL(simUrl).host,
        https: false,
        media_host_allowed: true,
        http_status: 200,
        redirect_location: null,
        content_type: 'image/png',
      },
      webhook: { refused_first: 1, retry_timestamps: 'fresh' },
    });
    expect(report.jwks.keys).toEqual(
      jwks.map((key) => ({
        fields: Object.keys(key).sort(),
        kty: key.kty,
        crv: key.crv,
        kid: key.kid,
        x_bytes: 32,
      })),
    );
    expect(report.submit.fields).toEqual(
      expect.arrayContaining(['request_id', 'gateway_request_id', 'status', 'status_url']),
    );
    const image = await fetch(output.images[0].url as string);
    expect(report.image.content_length).toBe((await image.arrayBuffer()).byteLength);

    // The states the 1 s polls saw, each with its HTTP code; the last answer is COMPLETED, 200.
    const answers = report.status.answers as { state: string; http_status: number }[];
    expect(answers.at(-1)).toMatchObject({ state: 'COMPLETED', http_status: 200 });
    for (const answer of answers.slice(0, -1)) {
      expect(['IN_QUEUE', 'IN_PROGRESS']).toContain(answer.state);
      expect([200, 202]).toContain(answer.http_status);
    }
    expect(report.status.seconds_to_completed).toBeGreaterThanOrEqual(2.5);

    // Refused once (503), fal-sim retried with a fresh timestamp, and the retry was accepted:
    // exactly the attempts fal-sim recorded.
    const deliveries = report.webhook.deliveries as Record<string, unknown>[];
    const attempts = request.webhook.attempts;
    expect(deliveries.map((d) => d.answered)).toEqual([503, 200]);
    expect(attempts.map((a) => a.statusCode)).toEqual([503, 200]);
    const sameIds = request.gatewayRequestId === requestId;
    for (const d of deliveries) {
      expect(d).toMatchObject({
        header_request_id: requestId,
        header_request_id_is: sameIds ? 'both' : 'request_id',
        body_request_id: requestId,
        body_gateway_request_id: request.gatewayRequestId,
        header_user_id: 'fal-sim-smoke-user',
        user_id_matches_pin: true,
        body_status: 'OK',
        payload_fields: Object.keys(output).sort(),
        signature: 'verified',
      });
      expect(Math.abs(d.timestamp_age_seconds as number)).toBeLessThanOrEqual(2);
    }
    expect(deliveries[1].header_timestamp as number).toBeGreaterThan(
      deliveries[0].header_timestamp as number,
    );
  });

  it('prints the same checklist as text, duplicates included', async () => {
    const run = await smoke([
      '--timeout',
      '30',
      '--refuse-first',
      '0',
      '--prompt',
      'Tea [sim:dup]',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const requestId = /, request (\S+)$/.exec(lines[0])?.[1] ?? '';
    expect(lines[0]).toBe(
      `fal smoke check against fal-sim (fal-ai/nano-banana-pro, queue ${falSimUrl(sim)}), request ${requestId}`,
    );
    const { request } = await simFacts(requestId);
    const output = request.output;
    const present = (field: string) => (field in output ? 'present' : 'absent');
    expect(lines).toEqual(
      expect.arrayContaining([
        `JWKS ${falSimUrl(sim)}/.well-known/jwks.json: HTTP 200, 1 key(s)`,
        `  request_id ${requestId}, gateway_request_id ${request.gatewayRequestId} (${
          request.gatewayRequestId === requestId ? 'equal' : 'they differ'
        })`,
        `  seed ${present('seed')}, has_nsfw_concepts ${present('has_nsfw_concepts')}`,
        expect.stringMatching(/^ {2}GET → HTTP 200, no redirect, image\/png, \d+ bytes$/),
        expect.stringMatching(
          /^Webhook: http:\/\/127\.0\.0\.1:\d+\/fal-smoke\/webhook \(every delivery accepted\)$/,
        ),
        // [sim:dup] delivers the result twice: the command listens long enough to show both.
        expect.stringMatching(/^ {2}2 deliveries; timestamps on retries: /),
        '     X-Fal-Webhook-User-Id fal-sim-smoke-user (= FAL_WEBHOOK_USER_ID)',
        '     signature: verified',
        'Checklist passed: nothing the product relies on failed.',
      ]),
    );
  });

  it('exits 1 and says why when the generation fails', async () => {
    const run = await smoke(['--timeout', '30', '--refuse-first', '0', '--prompt', 'x [sim:fail]']);
    expect(run.code).toBe(1);
    const requestId = /, request (\S+)\n/.exec(run.stdout)?.[1] ?? '';
    const { request } = await simFacts(requestId);
    expect(run.stdout).toContain(
      `Checklist FAILED (1):\n  - fal reported the request failed: ${request.failure.error}\n`,
    );
    expect(run.stdout).toContain('Result: not fetched');
    // The ERROR webhook still came, signed like any other.
    expect(run.stdout).toContain(`status ERROR, error ${request.failure.error}`);
    expect(run.stdout).toContain('     signature: verified');
  });

  it('with a FAL_KEY, refuses to submit without a --webhook-url fal.ai could reach', async () => {
    const run = await smoke([], {
      FAL_KEY: 'fake-key-id:fake-key-secret',
      // A public https queue (so the key counts as fal.ai's) that resolves nowhere, should the
      // command ever go further than it must.
      FAL_QUEUE_URL: 'https://queue.fal-smoke.invalid',
      FAL_WEBHOOK_USER_ID: 'fal-user-42',
      PUBLIC_API_URL: 'https://api.example.com',
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^With a FAL_KEY, fal\.ai must reach .*--webhook-url\./);
    expect(run.stderr).toContain('Usage: npm run cli -- fal:smoke');
  });

  it('with a FAL_KEY, will not start at all on a PUBLIC_API_URL fal.ai cannot reach', async () => {
    const run = await smoke(['--webhook-url', 'https://smoke.example.com'], {
      FAL_KEY: 'fake-key-id:fake-key-secret',
      FAL_QUEUE_URL: 'https://queue.fal-smoke.invalid',
      FAL_WEBHOOK_USER_ID: 'fal-user-42',
      PUBLIC_API_URL: 'http://127.0.0.1:3000',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /PUBLIC_API_URL="http:\/\/127\.0\.0\.1:3000": FAL_KEY is set, .*webhooks would never arrive/,
    );
  });
});

/**
 * fal does not publish some of what the checklist reports; fal-sim can play each other way, and
 * the report must say which one it saw (and the product must still verify the deliveries).
 */
describe('CLI fal:smoke against fal-sim playing fal’s unpublished alternatives', () => {
  let sim: FastifyInstance;

  beforeAll(async () => {
    sim = await buildFalSim({
      port: 0,
      host: '127.0.0.1',
      latencyMs: 500,
      seed: 'fal-smoke-alternatives',
      userId: 'fal-sim-smoke-user',
      // JWKS keys with only `x`; fal retried the request internally (the webhook header carries
      // the gateway id); a retry reuses the first attempt's timestamp, 2.5 s later.
      jwksBareKeys: true,
      gatewayRetryRate: 1,
      webhookRetryKeepsTimestampRate: 1,
      webhookRetryBaseMs: 2500,
      logger: false,
    });
  });
  afterAll(() => sim?.close());

  it('reports bare JWKS keys, the gateway id in the header, and a reused retry timestamp', async () => {
    const run = await runNode(
      'scripts/cli.js',
      ['fal:smoke', '--timeout', '30', '--json'],
      {
        FAL_KEY: '',
        FAL_QUEUE_URL: '',
        FAL_JWKS_URL: '',
        FAL_MEDIA_HOSTS: '',
        FAL_SIM_URL: falSimUrl(sim),
        FAL_WEBHOOK_USER_ID: 'fal-sim-smoke-user',
      },
      60_000,
    );
    const report = JSON.parse(run.stdout);
    expect(report.jwks.keys).toEqual([{ fields: ['x'], x_bytes: 32 }]);
    expect(report.submit.gateway_request_id).not.toBe(report.request_id);
    expect(report.webhook.retry_timestamps).toBe('reused');
    const deliveries = report.webhook.deliveries as Record<string, unknown>[];
    expect(deliveries.map((d) => d.answered)).toEqual([503, 200]);
    for (const d of deliveries) {
      expect(d).toMatchObject({
        header_request_id: report.submit.gateway_request_id,
        header_request_id_is: 'gateway_request_id',
        body_request_id: report.request_id,
        header_timestamp: deliveries[0].header_timestamp,
        signature: 'verified',
      });
    }
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(run.code).toBe(0);
  });
});
