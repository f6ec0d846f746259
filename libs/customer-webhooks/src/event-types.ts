/**
 * The events customers can subscribe an endpoint to; wire format (the `type` of each payload).
 * A cancelled infographic is `infograph.failed` with `error_code` `cancelled`.
 */
export const WEBHOOK_EVENT_TYPES = [
  'infograph.completed',
  'infograph.failed',
  'credits.low',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent by "send test event" only, whatever the endpoint subscribed to. */
export const TEST_EVENT_TYPE = 'webhook.test';

/**
 * The body of every delivery (the Standard Webhooks payload shape): what happened, when, and its
 * data. Fixed when the event is announced, so every attempt sends, and signs, the same bytes.
 */
export function eventPayload(type: string, data: unknown, at = new Date()): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}
