export { CustomerWebhooksModule } from './customer-webhooks.module';
export {
  newEndpointSecret,
  newMessageId,
  signDelivery,
  type SignedHeaders,
} from './endpoint-secret';
export { MAX_ENDPOINT_URL_LENGTH, endpointUrlProblem } from './endpoint-url';
export {
  TEST_EVENT_TYPE,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  eventPayload,
} from './event-types';
export { type WebhookPostResult, postWebhook } from './safe-webhook-post';
export { WebhookAnnouncer } from './webhook-announcer';
export { type DeliveryOutcome, WebhookDeliveryService } from './webhook-delivery.service';
export {
  type DeliveryRecord,
  type NewEndpoint,
  WebhookEndpointError,
  WebhookEndpointsService,
} from './webhook-endpoints.service';
