export {
  FAILED_SUBJECT,
  READY_SUBJECT,
  escapeHtml,
  infographFailedMail,
  infographReadyMail,
} from './mail-templates';
export type { InfographFailedMail, InfographReadyMail, MailContent } from './mail-templates';
export { MAILER_OPTIONS } from './mailer.options';
export type { MailerOptions } from './mailer.options';
export { Mailer } from './mailer.service';
export { NotificationsModule } from './notifications.module';
export type { NotificationsModuleOptions } from './notifications.module';
export {
  parseRealtimeEvent,
  realtimeChannel,
  serializeRealtimeEvent,
  toClientMessage,
} from './realtime-event';
export type { RealtimeEvent } from './realtime-event';
export { RealtimeEventsModule } from './realtime-events.module';
export { RealtimePublisher } from './realtime.publisher';
export { RealtimeSubscriber } from './realtime.subscriber';
export type { RealtimeListener } from './realtime.subscriber';
