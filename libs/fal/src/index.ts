export { FalModule } from './fal.module';
export { FAL_GATEWAY_OPTIONS, FalGateway } from './fal.gateway';
export type { FalGatewayOptions } from './fal.gateway';
export { FAL_WEBHOOK_VERIFIER_OPTIONS, FalWebhookVerifier } from './fal-webhook.verifier';
export type {
  FalWebhookDelivery,
  FalWebhookIdentity,
  FalWebhookVerifierOptions,
} from './fal-webhook.verifier';
export { FalWebhookUrls, WEBHOOK_TOKEN_PARAM, webhookToken } from './fal-webhook-url';
export { WebhookSignatureError } from './webhook-signature.error';
export type { WebhookSignatureReason } from './webhook-signature.error';
export { parseFalWebhookBody } from './fal-webhook-envelope';
export type { FalWebhookBody, FalWebhookEnvelope } from './fal-webhook-envelope';
export {
  classifyFalError,
  describeValidationDetail,
  FalAccountError,
  FalError,
  FalPermanentError,
  FalTransientError,
} from './fal.errors';
export { rewriteFalUrl } from './fal-url-rewrite';
export type {
  FalAspectRatio,
  FalImage,
  FalImageInput,
  FalImageOutput,
  FalOutputFormat,
  FalRequestStatus,
  FalResolution,
  FalSafetyTolerance,
} from './fal.types';
