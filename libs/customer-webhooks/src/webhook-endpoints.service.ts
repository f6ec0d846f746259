import { AppConfig } from '@app/config';
import { WebhookAttempt, WebhookEndpoint, WebhookMessage, preparedQuery } from '@app/database';
import { JobProducer } from '@app/queues';
import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';

import { newEndpointSecret, newMessageId } from './endpoint-secret';
import { endpointUrlProblem } from './endpoint-url';
import { TEST_EVENT_TYPE, type WebhookEventType, eventPayload } from './event-types';

/** A customer's mistake, with a stable code; the api turns it into a 4xx. */
export class WebhookEndpointError extends Error {
  constructor(
    readonly status: 400 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface NewEndpoint {
  url: string;
  eventTypes: WebhookEventType[];
  description?: string;
}

/** A message and its attempts, newest first. */
export interface DeliveryRecord {
  message: WebhookMessage;
  attempts: WebhookAttempt[];
}

const DELIVERIES_SHOWN = 50;

/**
 * A user's endpoints: register, list, remove, rotate the secret, re-enable; and what was sent to
 * one (messages and attempts), "send again" and "send test event". Every method takes the owner,
 * and an endpoint of another user is answered as absent (null).
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
    private readonly config: AppConfig,
  ) {}

  private get endpoints() {
    return this.dataSource.getRepository(WebhookEndpoint);
  }

  async create(userId: string, input: NewEndpoint): Promise<WebhookEndpoint> {
    const problem = endpointUrlProblem(input.url, this.config.customerWebhooks.allowInsecureUrls);
    if (problem) {
      throw new WebhookEndpointError(400, 'invalid_webhook_url', problem);
    }
    const max = this.config.customerWebhooks.maxEndpointsPerUser;
    if ((await this.endpoints.countBy({ userId })) >= max) {
      throw new WebhookEndpointError(
        409,
        'too_many_webhook_endpoints',
        `An account can have at most ${max} webhook endpoints; delete one first.`,
      );
    }
    return this.endpoints.save(
      this.endpoints.create({
        userId,
        // As the URL parser writes it: control characters percent-encoded, host in lower case.
        url: new URL(input.url).href,
        eventTypes: [...new Set(input.eventTypes)],
        description: input.description ?? '',
        secret: newEndpointSecret(),
        previousSecret: null,
        previousSecretExpiresAt: null,
        failingSince: null,
        disabledAt: null,
      }),
    );
  }

  list(userId: string): Promise<WebhookEndpoint[]> {
    return this.endpoints.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  find(userId: string, id: string): Promise<WebhookEndpoint | null> {
    return this.endpoints.findOneBy({ userId, id });
  }

  /** Deletes it with its messages and attempts; queued deliveries then find nothing to send. */
  async remove(userId: string, id: string): Promise<boolean> {
    const result = await this.endpoints.delete({ userId, id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * A new secret signs from now on; the old one keeps signing beside it (a second signature)
   * for WEBHOOK_SECRET_OVERLAP_MS, so the receiver can switch without losing a delivery.
   */
  async rotateSecret(userId: string, id: string): Promise<WebhookEndpoint | null> {
    const secret = newEndpointSecret();
    const overlapMs = this.config.customerWebhooks.secretOverlapMs;
    const rows = await preparedQuery<WebhookEndpoint>(
      this.dataSource,
      `UPDATE webhook_endpoints
          SET previous_secret = secret, secret = $3,
              previous_secret_expires_at = now() + make_interval(secs => $4::double precision / 1000)
        WHERE id = $1 AND user_id = $2
        RETURNING id`,
      [id, userId, secret, overlapMs],
    );
    return rows.length > 0 ? this.find(userId, id) : null;
  }

  /** Sends to it again after it was disabled; its failure clock starts over. */
  async enable(userId: string, id: string): Promise<WebhookEndpoint | null> {
    const result = await this.endpoints.update(
      { userId, id },
      { disabledAt: null, failingSince: null },
    );
    return (result.affected ?? 0) > 0 ? this.find(userId, id) : null;
  }

  /** The latest messages sent (or being sent) to it, each with its attempts. Null: no endpoint. */
  async deliveries(userId: string, id: string): Promise<DeliveryRecord[] | null> {
    if (!(await this.find(userId, id))) {
      return null;
    }
    const messages = await this.dataSource.getRepository(WebhookMessage).find({
      where: { endpointId: id },
      order: { createdAt: 'DESC' },
      take: DELIVERIES_SHOWN,
    });
    const attempts =
      messages.length === 0
        ? []
        : await this.dataSource.getRepository(WebhookAttempt).find({
            where: { messageId: In(messages.map((m) => m.id)) },
            order: { attemptedAt: 'DESC' },
          });
    return messages.map((message) => ({
      message,
      attempts: attempts.filter((a) => a.messageId === message.id),
    }));
  }

  /**
   * "Send again": the same message (same `webhook-id`, same payload) goes out again, newly signed,
   * whatever became of it. Null when there is no such message on this user's endpoint.
   */
  async resend(userId: string, id: string, messageId: string): Promise<WebhookMessage | null> {
    const rows = await preparedQuery<{ id: string }>(
      this.dataSource,
      `UPDATE webhook_messages m SET status = 'pending'
         FROM webhook_endpoints e
        WHERE m.id = $3 AND m.endpoint_id = e.id AND e.id = $1 AND e.user_id = $2
        RETURNING m.id`,
      [id, userId, messageId],
    );
    if (rows.length === 0) {
      return null;
    }
    await this.producer.deliverWebhooks([messageId], { again: true });
    return this.dataSource.getRepository(WebhookMessage).findOneBy({ id: messageId });
  }

  /** "Send test event": a `webhook.test` message to this endpoint only. Null: no endpoint. */
  async sendTest(userId: string, id: string): Promise<WebhookMessage | null> {
    const endpoint = await this.find(userId, id);
    if (!endpoint) {
      return null;
    }
    const messageId = newMessageId();
    const message = await this.dataSource.getRepository(WebhookMessage).save({
      id: messageId,
      endpointId: endpoint.id,
      eventType: TEST_EVENT_TYPE,
      eventKey: `${TEST_EVENT_TYPE}:${messageId}`,
      payload: eventPayload(TEST_EVENT_TYPE, { endpoint_id: endpoint.id }),
      status: 'pending',
      attempts: 0,
      deliveredAt: null,
    });
    await this.producer.deliverWebhooks([messageId]);
    return message;
  }
}
