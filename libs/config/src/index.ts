export { AppConfig } from './app-config';
export { ConfigModule } from './config.module';
export { ConfigError, loadConfig, loadConfigOrExit, loadDotEnv } from './load-config';
export { startupWarnings } from './startup-warnings';
export { DEV_FAL_WEBHOOK_SECRET } from './environment';
export { PublicUrls } from './public-urls';
export { FAL_MEDIA_HOSTS, mediaUrlAllowed } from './media-hosts';
export { type CreditPack, parseCreditPacks } from './credit-packs';
export type { RedisAddress, RedisTopology } from './redis-topology';
