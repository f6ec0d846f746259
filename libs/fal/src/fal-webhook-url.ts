import { createHmac, timingSafeEqual } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { AppConfig, PublicUrls } from '@app/config';

/** The query parameter of the webhook URL that carries the per-infograph token. */
export const WEBHOOK_TOKEN_PARAM = 'token';

/**
 * The token we put in one infograph's webhook URL: an HMAC of its id under our secret. fal signs
 * every customer's deliveries with one shared key set, so a valid signature only proves that fal
 * sent a delivery; this token proves that the URL it was sent to is one WE gave fal, for THAT
 * infograph. Nothing to store: any api recomputes it.
 */
export function webhookToken(secret: string, infographId: string): string {
  return createHmac('sha256', secret).update(`fal-webhook:${infographId}`).digest('base64url');
}

/** Builds the webhook URLs we hand fal, and recognises the tokens in them. */
@Injectable()
export class FalWebhookUrls {
  constructor(
    private readonly config: AppConfig,
    private readonly urls: PublicUrls,
  ) {}

  /** `${PUBLIC_API_URL}/api/infographs/webhook/<id>/?token=…`, signed with the current secret. */
  forInfograph(infographId: string): string {
    const token = webhookToken(this.config.fal.webhookSecrets[0], infographId);
    return `${this.urls.falWebhookOf(infographId)}?${WEBHOOK_TOKEN_PARAM}=${token}`;
  }

  /**
   * True when `token` is the one a URL we issued for `infographId` carries, under any configured
   * secret (the previous ones stay valid while a rotation drains). Constant-time comparison.
   */
  isIssued(infographId: string, token: unknown): boolean {
    if (typeof token !== 'string') {
      return false;
    }
    const given = Buffer.from(token);
    return this.config.fal.webhookSecrets.some((secret) => {
      const expected = Buffer.from(webhookToken(secret, infographId));
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }
}
