import type { FalExchange } from './fal-traffic-recorder';
import { formatSmokeReport } from './format-smoke-report';
import {
  buildSmokeReport,
  type DeliveryFacts,
  headerIdMatch,
  retryTimestamps,
  type SmokeObservations,
} from './smoke-report';
import type { ReceivedDelivery } from './webhook-receiver';

const T0 = Date.parse('2026-12-01T12:00:00.000Z');
const REQ = 'req-1';
const GW = 'gw-1';

const exchange = (label: string, status: number, body: unknown, falHeaders = {}): FalExchange => ({
  label,
  method: label === 'submit' ? 'POST' : 'GET',
  url: `https://queue.fal.run/fal-ai/nano-banana-pro/${label}`,
  status,
  falHeaders,
  body,
});

function delivery(
  atMs: number,
  timestamp: number,
  answered: number,
  overrides: Partial<ReceivedDelivery> = {},
  headerId = REQ,
): ReceivedDelivery {
  return {
    receivedAt: atMs,
    headers: {
      'x-fal-webhook-request-id': headerId,
      'x-fal-webhook-user-id': 'fal-user-42',
      'x-fal-webhook-timestamp': String(timestamp),
      'x-fal-webhook-signature': 'ab'.repeat(64),
    },
    rawBody: Buffer.from(
      JSON.stringify({
        request_id: REQ,
        gateway_request_id: GW,
        status: 'OK',
        error: null,
        payload: { images: [{ url: 'https://v3b.fal.media/files/x.png' }], description: '' },
      }),
    ),
    answered,
    verification: 'verified',
    ...overrides,
  };
}

/** A run where fal behaved as documented: every check passes. */
function observations(overrides: Partial<SmokeObservations> = {}): SmokeObservations {
  return {
    target: 'fal.ai',
    model: 'fal-ai/nano-banana-pro',
    queueUrl: 'https://queue.fal.run',
    mediaHosts: ['fal.media', '*.fal.media'],
    allowHttpMedia: false,
    pinnedUserId: 'fal-user-42',
    timeoutSeconds: 600,
    jwks: {
      url: 'https://rest.alpha.fal.ai/.well-known/jwks.json',
      status: 200,
      body: { keys: [{ x: Buffer.alloc(32, 7).toString('base64url') }] },
    },
    exchanges: [
      exchange('submit', 200, {
        request_id: REQ,
        gateway_request_id: GW,
        status: 'IN_QUEUE',
        queue_position: 0,
      }),
      exchange('status', 202, { status: 'IN_QUEUE', queue_position: 0 }),
      exchange('status', 202, { status: 'IN_PROGRESS' }),
      exchange('status', 202, { status: 'IN_PROGRESS' }),
      exchange('status', 200, { status: 'COMPLETED', metrics: { inference_time: 17.5 } }),
      exchange(
        'result',
        200,
        {
          images: [{ url: 'https://v3b.fal.media/files/x.png', content_type: 'image/png' }],
          description: '',
        },
        { 'x-fal-request-id': REQ },
      ),
    ],
    submittedAt: T0,
    requestId: REQ,
    completedAt: T0 + 21_000,
    inferenceTimeSeconds: 17.5,
    image: {
      url: 'https://v3b.fal.media/files/x.png',
      status: 200,
      contentType: 'image/png',
      contentLength: 1_234_567,
    },
    webhook: {
      url: 'https://smoke.example.com/hook',
      refuseFirst: 1,
      deliveries: [
        delivery(T0 + 21_500, 1_796_126_421, 503),
        delivery(T0 + 90_000, 1_796_126_490, 200),
      ],
    },
    ...overrides,
  };
}

describe('buildSmokeReport', () => {
  it('reports what fal sent, field by field, and passes a run fal completed as documented', () => {
    const report = buildSmokeReport(observations());
    expect(report).toMatchObject({
      ok: true,
      problems: [],
      notes: [],
      request_id: REQ,
      jwks: { http_status: 200, keys: [{ fields: ['x'], kty: undefined, x_bytes: 32 }] },
      submit: {
        http_status: 200,
        fields: ['gateway_request_id', 'queue_position', 'request_id', 'status'],
        request_id: REQ,
        gateway_request_id: GW,
      },
      status: {
        answers: [
          { state: 'IN_QUEUE', http_status: 202, count: 1 },
          { state: 'IN_PROGRESS', http_status: 202, count: 2 },
          { state: 'COMPLETED', http_status: 200, count: 1 },
        ],
        seconds_to_completed: 21,
        inference_time_seconds: 17.5,
      },
      result: {
        http_status: 200,
        x_fal_request_id: REQ,
        fields: ['description', 'images'],
        image_fields: ['content_type', 'url'],
        seed_present: false,
        has_nsfw_concepts_present: false,
        width: null,
        height: null,
      },
      image: {
        host: 'v3b.fal.media',
        https: true,
        media_host_allowed: true,
        http_status: 200,
        redirect_location: null,
      },
      webhook: { refused_first: 1, retry_timestamps: 'fresh' },
    });
    expect(report.webhook?.deliveries[1]).toEqual({
      received_at: '2026-12-01T12:01:30.000Z',
      seconds_after_submit: 90,
      answered: 200,
      header_request_id: REQ,
      header_user_id: 'fal-user-42',
      header_timestamp: 1_796_126_490,
      timestamp_at: '2026-12-01T12:01:30.000Z',
      timestamp_age_seconds: 0,
      body_request_id: REQ,
      body_gateway_request_id: GW,
      header_request_id_is: 'request_id',
      body_status: 'OK',
      body_error: null,
      payload_fields: ['description', 'images'],
      user_id_matches_pin: true,
      signature: 'verified',
    });
  });

  it('fails a redirecting image, a host outside our media hosts, and a non-image', () => {
    const report = buildSmokeReport(
      observations({
        image: {
          url: 'https://cdn.example.net/x.png',
          status: 302,
          location: 'https://elsewhere.example.net/x.png',
          contentType: 'text/html',
        },
      }),
    );
    expect(report.ok).toBe(false);
    expect(report.image).toMatchObject({ http_status: 302, media_host_allowed: false });
    expect(report.problems).toEqual([
      expect.stringMatching(/^the image URL redirects \(302 to https:\/\/elsewhere.*never follows/),
      expect.stringMatching(
        /^the image host cdn\.example\.net is not one of our media hosts.*FAL_MEDIA_HOSTS/,
      ),
      'the image URL serves text/html, not an image',
    ]);
  });

  it('fails deliveries the product would refuse, saying which fal user sent them', () => {
    const refused = delivery(T0 + 21_500, 1_796_126_421, 200, {
      verification: { reason: 'unexpected_user', message: 'user id other is not the pinned one' },
      headers: { ...delivery(0, 1_796_126_421, 200).headers, 'x-fal-webhook-user-id': 'other' },
    });
    const report = buildSmokeReport(
      observations({
        webhook: { url: 'https://h.example.com', refuseFirst: 0, deliveries: [refused] },
      }),
    );
    expect(report.problems).toEqual([
      "webhook delivery 1 failed the product's signature check: unexpected_user: user id other is not the pinned one",
      expect.stringMatching(
        /^webhook delivery 1 came from fal user other, not FAL_WEBHOOK_USER_ID \(fal-user-42\)/,
      ),
    ]);
    expect(report.webhook?.retry_timestamps).toBe('no retry');
  });

  it('fails a run with no webhook, and notes a refused delivery fal did not retry in time', () => {
    const none = buildSmokeReport(
      observations({ webhook: { url: 'https://h.example.com', refuseFirst: 1, deliveries: [] } }),
    );
    expect(none.problems).toEqual(['no webhook arrived at https://h.example.com within 600 s']);

    const unretried = buildSmokeReport(
      observations({
        webhook: {
          url: 'https://h.example.com',
          refuseFirst: 1,
          deliveries: [delivery(T0 + 21_500, 1_796_126_421, 503)],
        },
      }),
    );
    expect(unretried.ok).toBe(true);
    expect(unretried.notes).toEqual([expect.stringMatching(/^fal did not retry .*--timeout/)]);
  });

  it('fails a request that never completed or that fal failed, without a result', () => {
    const stuck = buildSmokeReport(
      observations({ completedAt: undefined, exchanges: [], image: undefined, webhook: undefined }),
    );
    expect(stuck.problems).toEqual(['the request did not complete within 600 s']);
    expect(stuck.result).toBeNull();

    const failed = buildSmokeReport(
      observations({ completedError: 'Invalid status code: 422', image: undefined }),
    );
    expect(failed.problems).toEqual(['fal reported the request failed: Invalid status code: 422']);
  });

  it('fails an unreachable or empty JWKS, and a refused submit', () => {
    const report = buildSmokeReport(
      observations({
        jwks: { url: 'https://k.example.com', error: 'fetch failed' },
        submitError: 'fal refused the key (401)',
        requestId: undefined,
        completedAt: undefined,
        image: undefined,
        exchanges: [],
        webhook: { url: 'https://h.example.com', refuseFirst: 1, deliveries: [] },
      }),
    );
    expect(report.problems).toEqual([
      'JWKS https://k.example.com: fetch failed; webhooks cannot be verified',
      'submit failed: fal refused the key (401)',
    ]);
    expect(
      buildSmokeReport(observations({ jwks: { url: 'u', status: 200, body: { keys: [] } } }))
        .problems,
    ).toEqual(['JWKS u lists no keys; webhooks cannot be verified']);
  });
});

describe('headerIdMatch', () => {
  it.each([
    ['r', 'r', 'g', 'request_id'],
    ['g', 'r', 'g', 'gateway_request_id'],
    ['r', 'r', 'r', 'both'],
    ['x', 'r', 'g', 'neither'],
    [null, 'r', 'g', 'neither'],
  ] as const)('header %s with request_id %s, gateway_request_id %s: %s', (h, r, g, is) => {
    expect(headerIdMatch(h, r, g)).toBe(is);
  });
});

describe('retryTimestamps', () => {
  const at = (seconds: number, timestamp: number) =>
    ({
      received_at: new Date(T0 + seconds * 1000).toISOString(),
      header_timestamp: timestamp,
    }) as DeliveryFacts;

  it('tells a fresh timestamp from a reused one, and says when it cannot tell', () => {
    expect(retryTimestamps([at(0, 100), at(60, 160)])).toBe('fresh');
    expect(retryTimestamps([at(0, 100), at(60, 100)])).toBe('reused');
    expect(retryTimestamps([at(0, 100), at(0.5, 100)])).toBe('undetermined');
    expect(retryTimestamps([at(0, 100)])).toBe('no retry');
    expect(retryTimestamps([])).toBe('no retry');
  });
});

describe('formatSmokeReport', () => {
  it('prints the checklist an operator reads, fact by fact', () => {
    const text = formatSmokeReport(buildSmokeReport(observations()));
    expect(text).toEqual(
      expect.arrayContaining([
        'fal smoke check against fal.ai (fal-ai/nano-banana-pro, queue https://queue.fal.run), request req-1',
        'JWKS https://rest.alpha.fal.ai/.well-known/jwks.json: HTTP 200, 1 key(s)',
        '  key 1: fields x; kty absent, crv absent, kid absent, x 32 bytes',
        'Submit: HTTP 200; fields: gateway_request_id, queue_position, request_id, status',
        '  request_id req-1, gateway_request_id gw-1 (they differ)',
        'Status: IN_QUEUE → HTTP 202 ×1, IN_PROGRESS → HTTP 202 ×2, COMPLETED → HTTP 200 ×1',
        '  completed 21 s after submit, inference_time 17.5 s',
        'Result: HTTP 200, x-fal-request-id req-1; fields: description, images',
        '  seed absent, has_nsfw_concepts absent',
        '  image fields: content_type, url; width × height absent × absent',
        '  host v3b.fal.media (one of our media hosts), https',
        '  GET → HTTP 200, no redirect, image/png, 1234567 bytes',
        'Webhook: https://smoke.example.com/hook (the first 1 refused with 503, so fal retries)',
        '  2 deliveries; timestamps on retries: fresh',
        '  1. arrived 2026-12-01T12:00:21.500Z (21.5 s after submit); we answered 503',
        '     signed timestamp 1796126421 = 2026-12-01T12:00:21.000Z, 1 s before arrival',
        '     X-Fal-Webhook-Request-Id req-1 = the body’s request_id',
        '     X-Fal-Webhook-User-Id fal-user-42 (= FAL_WEBHOOK_USER_ID)',
        '     signature: verified',
        'Checklist passed: nothing the product relies on failed.',
      ]),
    );
  });

  it('ends with every problem when the checklist fails', () => {
    const text = formatSmokeReport(
      buildSmokeReport(observations({ completedError: 'boom', image: undefined })),
    );
    expect(text.slice(-2)).toEqual([
      'Checklist FAILED (1):',
      '  - fal reported the request failed: boom',
    ]);
    expect(text).toContain('Image: not fetched');
  });
});
