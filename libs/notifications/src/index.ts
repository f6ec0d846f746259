export {
  ACCOUNT_EXISTS_SUBJECT,
  FAILED_SUBJECT,
  PASSWORD_CHANGED_SUBJECT,
  PASSWORD_RESET_SUBJECT,
  READY_SUBJECT,
  VERIFY_EMAIL_SUBJECT,
  WEBHOOK_DISABLED_SUBJECT,
  accountExistsMail,
  escapeHtml,
  infographFailedMail,
  infographReadyMail,
  passwordChangedMail,
  passwordResetMail,
  promptExcerpt,
  verifyEmailMail,
  webhookEndpointDisabledMail,
} from './mail-templates';
export type {
  AccountExistsMail,
  InfographFailedMail,
  InfographReadyMail,
  MailContent,
  PasswordResetMail,
  VerifyEmailMail,
  WebhookEndpointDisabledMail,
} from './mail-templates';
export { MAILER_OPTIONS } from './mailer.options';
export type { MailerOptions } from './mailer.options';
export { Mailer } from './mailer.service';
export { NotificationsModule } from './notifications.module';
export type { NotificationsModuleOptions } from './notifications.module';
export {
  compareEventIds,
  eventIdTime,
  isEventId,
  parsePublishedEvent,
  parseRealtimeEvent,
  realtimeChannel,
  realtimeStreamKey,
  serializeRealtimeEvent,
  toClientMessage,
} from './realtime-event';
export type { RealtimeEvent, StampedEvent } from './realtime-event';
export { RealtimeEventsModule } from './realtime-events.module';
export { REPLAY_MAX_EVENTS, RealtimePublisher } from './realtime.publisher';
export type { PublishedEvent } from './realtime.publisher';
export { RealtimeSubscriber } from './realtime.subscriber';
export type { RealtimeListener } from './realtime.subscriber';
