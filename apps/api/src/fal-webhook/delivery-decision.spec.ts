import { bindDelivery, decideDelivery, signatureRejection } from './delivery-decision';

const image = { url: 'https://v3.fal.media/files/a.png', contentType: 'image/png' };
const ok = (requestId?: string) => ({
  kind: 'ok' as const,
  requestId,
  images: [image],
  nsfw: false,
});
const error = (requestId?: string) => ({ kind: 'error' as const, requestId, message: 'boom' });

describe('bindDelivery', () => {
  it('makes a delivery to a URL we did not issue an orphan, signed or not', () => {
    for (const signedRequestId of ['r1', undefined]) {
      expect(bindDelivery({ urlTokenIssued: false, signedRequestId, body: ok('r1') })).toEqual({
        kind: 'orphan',
      });
    }
  });

  it('refuses a body that names another request than the signature', () => {
    expect(bindDelivery({ urlTokenIssued: true, signedRequestId: 'r1', body: ok('r2') })).toEqual({
      kind: 'mismatch',
    });
  });

  it('binds our delivery to the request it names; only a signed one may claim a pending row', () => {
    expect(bindDelivery({ urlTokenIssued: true, signedRequestId: 'r1', body: ok('r1') })).toEqual({
      kind: 'bound',
      requestId: 'r1',
      mayClaimPending: true,
    });
    // A bare result body (no request id) takes the signed one.
    expect(bindDelivery({ urlTokenIssued: true, signedRequestId: 'r1', body: ok() })).toEqual({
      kind: 'bound',
      requestId: 'r1',
      mayClaimPending: true,
    });
    // Verification switched off: unsigned, so it may not claim.
    expect(bindDelivery({ urlTokenIssued: true, body: ok('r1') })).toEqual({
      kind: 'bound',
      requestId: 'r1',
      mayClaimPending: false,
    });
  });
});

describe('bindDelivery, when fal retried the request internally', () => {
  // fal may sign with the gateway_request_id: the body still names the request we submitted.
  const retried = (requestId: string, gatewayRequestId: string) => ({
    ...ok(requestId),
    gatewayRequestId,
  });

  it("accepts a signature over the body's gateway_request_id, bound to its request_id", () => {
    expect(
      bindDelivery({ urlTokenIssued: true, signedRequestId: 'gw1', body: retried('r1', 'gw1') }),
    ).toEqual({ kind: 'bound', requestId: 'r1', mayClaimPending: true });
  });

  it('still refuses a signed id that is neither the request id nor the gateway id', () => {
    expect(
      bindDelivery({ urlTokenIssued: true, signedRequestId: 'gw2', body: retried('r1', 'gw1') }),
    ).toEqual({ kind: 'mismatch' });
  });
});

describe('signatureRejection', () => {
  it.each([
    'missing_header',
    'invalid_header',
    'stale_timestamp',
    'unexpected_user',
    'bad_signature',
  ] as const)('answers %s with 401: a delivery that must never be trusted', (reason) => {
    expect(signatureRejection(reason)).toEqual({ status: 401 });
  });

  it('answers keys_unavailable with 503 and a Retry-After, so fal delivers again later', () => {
    const answer = signatureRejection('keys_unavailable');
    expect(answer.status).toBe(503);
    expect(answer.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe('decideDelivery', () => {
  const processing = { status: 'processing' as const, falRequestId: 'r1' };

  it('records a delivery for another of our requests as an orphan', () => {
    expect(decideDelivery(ok('r2'), 'r2', processing)).toEqual({ kind: 'orphan', requestId: 'r2' });
  });

  it('ignores anything for a terminal infograph', () => {
    for (const status of ['completed', 'failed'] as const) {
      expect(decideDelivery(ok('r1'), 'r1', { status, falRequestId: 'r1' })).toEqual({
        kind: 'ignore',
        requestId: 'r1',
      });
    }
  });

  it('has fal confirm an ERROR for a running request before failing anything', () => {
    expect(decideDelivery(error('r1'), 'r1', processing)).toEqual({
      kind: 'confirm',
      requestId: 'r1',
    });
  });

  it('applies an OK (also a bare body, which means the row’s own request)', () => {
    const applied = {
      kind: 'apply',
      requestId: 'r1',
      outcome: { kind: 'ok', images: [image], nsfw: false },
    };
    expect(decideDelivery(ok('r1'), 'r1', processing)).toEqual(applied);
    expect(decideDelivery(ok(), undefined, processing)).toEqual(applied);
    expect(decideDelivery({ ...ok('r1'), nsfw: true }, 'r1', processing)).toMatchObject({
      kind: 'apply',
      outcome: { kind: 'ok', nsfw: true },
    });
  });
});
