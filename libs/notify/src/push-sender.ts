import { AppConfig } from '@app/config';
import { postWebhook } from '@app/customer-webhooks';
import type { PushSubscription } from '@app/database';
import { Injectable } from '@nestjs/common';
import webpush from 'web-push';

import type { PushPayload } from './push-payload';

/** What one push came to: delivered, the subscription is gone, or a failure worth a retry. */
export type PushOutcome =
  { kind: 'sent' } | { kind: 'expired'; statusCode: number } | { kind: 'failed'; error: string };

/** A push unread for a day is stale: the e-mail has told the user by then. */
const TTL_SECONDS = 24 * 3600;
const TIMEOUT_MS = 10_000;

/**
 * Sends one Web Push message: `web-push` encrypts the payload to the subscription's keys
 * (RFC 8291, aes128gcm) and signs the VAPID JWT (RFC 8292); the POST itself goes through
 * `postWebhook`, so a subscription's endpoint (chosen by whoever called our api) can only reach
 * public internet addresses, checked on the connection itself.
 */
@Injectable()
export class PushSender {
  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.push.vapid !== undefined;
  }

  async send(
    subscription: Pick<PushSubscription, 'endpoint' | 'p256dh' | 'auth'>,
    payload: PushPayload,
  ): Promise<PushOutcome> {
    const vapid = this.config.push.vapid;
    if (!vapid) {
      return { kind: 'failed', error: 'Web Push is not configured.' };
    }
    const request = webpush.generateRequestDetails(
      {
        endpoint: subscription.endpoint,
        keys: { p256dh: subscription.p256dh, auth: subscription.auth },
      },
      JSON.stringify(payload),
      {
        vapidDetails: vapid,
        TTL: TTL_SECONDS,
        urgency: 'normal',
        contentEncoding: 'aes128gcm',
      },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      // undici sets the length of the body it sends itself.
      if (name.toLowerCase() !== 'content-length') {
        headers[name.toLowerCase()] = String(value);
      }
    }
    const result = await postWebhook(request.endpoint, request.body ?? '', headers, {
      timeoutMs: TIMEOUT_MS,
      allowInsecure: this.config.push.allowInsecureEndpoints,
      userAgent: 'ainfographic-push',
    });
    if (result.error === null) {
      return { kind: 'sent' };
    }
    if (result.statusCode === 404 || result.statusCode === 410) {
      return { kind: 'expired', statusCode: result.statusCode };
    }
    return { kind: 'failed', error: result.error };
  }
}

/** A fresh VAPID key pair (URL-safe base64), for `npm run cli -- push:vapid-keys`. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}
