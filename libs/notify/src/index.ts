export { type Claim, DeliveryLedger } from './delivery-ledger';
export { NotifyModule } from './notify.module';
export { type NotificationPrefs, NotificationPreferences } from './preferences';
export { Presence } from './presence';
export { MAX_PUSH_ENDPOINT_LENGTH, pushEndpointProblem } from './push-endpoint';
export { type PushPayload, infographPageLink, pushPayloadFor } from './push-payload';
export { type PushOutcome, PushSender, generateVapidKeys } from './push-sender';
export {
  type NewPushSubscription,
  PushSubscriptionError,
  PushSubscriptions,
} from './push-subscriptions.service';
export { UnsubscribeLinks } from './unsubscribe-links';
export {
  UNSUBSCRIBE_CHANNELS,
  type UnsubscribeChannel,
  signUnsubscribeToken,
  verifyUnsubscribeToken,
} from './unsubscribe-token';
