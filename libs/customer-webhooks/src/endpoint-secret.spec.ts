import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import { newEndpointSecret, newMessageId, signDelivery } from './endpoint-secret';

describe('signDelivery', () => {
  const body = JSON.stringify({ type: 'webhook.test', timestamp: 'now', data: {} });

  it('makes headers the standardwebhooks package verifies with the secret, and only with it', () => {
    const secret = newEndpointSecret();
    const id = newMessageId();
    const headers = signDelivery(id, body, [secret]);
    expect(headers['webhook-id']).toBe(id);
    expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newEndpointSecret()).verify(body, { ...headers })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow(
      WebhookVerificationError,
    );
  });

  it('signs with every secret given, so either verifies during a rotation', () => {
    const [current, previous] = [newEndpointSecret(), newEndpointSecret()];
    const headers = signDelivery(newMessageId(), body, [current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) {
      expect(new Webhook(secret).verify(body, { ...headers })).toBeTruthy();
    }
  });

  it('makes secrets and ids in the Standard Webhooks forms', () => {
    expect(newEndpointSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(newMessageId()).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(newEndpointSecret()).not.toBe(newEndpointSecret());
  });
});
