import { createECDH } from 'node:crypto';

import { AppConfig } from '@app/config';
import { PushSubscription } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { pushEndpointProblem } from './push-endpoint';

/** A client's mistake or a switched-off feature, with a stable code; the api makes it a 4xx. */
export class PushSubscriptionError extends Error {
  constructor(
    readonly status: 400 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface NewPushSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** The browsers that receive a user's pushes. */
@Injectable()
export class PushSubscriptions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * Stores the subscription; `created` is false when its endpoint was known (the keys are
   * refreshed, and the owner becomes this user: one browser profile, whoever signed in last).
   */
  async subscribe(
    userId: string,
    input: NewPushSubscription,
  ): Promise<{ subscription: PushSubscription; created: boolean }> {
    if (!this.config.push.vapid) {
      throw new PushSubscriptionError(
        409,
        'push_disabled',
        'Web Push is not configured on this server (VAPID keys unset).',
      );
    }
    const problem = pushEndpointProblem(input.endpoint, this.config.push.allowInsecureEndpoints);
    if (problem) {
      throw new PushSubscriptionError(400, 'invalid_push_endpoint', problem);
    }
    if (!keysUsable(input.p256dh, input.auth)) {
      throw new PushSubscriptionError(
        400,
        'invalid_push_keys',
        'keys.p256dh must be a P-256 public key and keys.auth a 16-byte secret (PushSubscription.toJSON()).',
      );
    }
    const rows = await this.dataSource.query<
      { id: string; endpoint: string; created_at: Date; inserted: boolean }[]
    >(
      `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
       ON CONFLICT (endpoint) DO UPDATE
         SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
       RETURNING id, endpoint, created_at, (xmax = 0) AS inserted`,
      [userId, input.endpoint, input.p256dh, input.auth],
    );
    const [row] = rows;
    const subscription = Object.assign(new PushSubscription(), {
      id: row.id,
      userId,
      endpoint: row.endpoint,
      p256dh: input.p256dh,
      auth: input.auth,
      createdAt: row.created_at,
    });
    return { subscription, created: row.inserted };
  }

  /** Removes the user's subscription with this endpoint, if there is one. */
  async unsubscribe(userId: string, endpoint: string): Promise<void> {
    await this.dataSource.getRepository(PushSubscription).delete({ userId, endpoint });
  }

  listOf(userId: string): Promise<PushSubscription[]> {
    return this.dataSource
      .getRepository(PushSubscription)
      .find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  /** The push service said the subscription is gone (404/410). */
  async remove(id: string): Promise<void> {
    await this.dataSource.getRepository(PushSubscription).delete({ id });
  }

  /** Account deletion: inside its transaction. */
  async deleteAllOf(userId: string, manager: EntityManager): Promise<number> {
    const result = await manager.getRepository(PushSubscription).delete({ userId });
    return result.affected ?? 0;
  }
}

/** Whether every push could be encrypted to these keys (a point on the curve, a 16-byte secret). */
function keysUsable(p256dh: string, auth: string): boolean {
  if (Buffer.from(auth, 'base64url').length !== 16) {
    return false;
  }
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(Buffer.from(p256dh, 'base64url'));
    return true;
  } catch {
    return false;
  }
}
