import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') {
    return value;
  }
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) {
    return true;
  }
  if (['0', 'false', 'no', 'off', ''].includes(v)) {
    return false;
  }
  return value;
};

const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  value === '' ? undefined : value;

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const DB_URL = /^postgres(ql)?:\/\/.+/;
const REDIS_URL = /^rediss?:\/\/.+/;

/**
 * Every setting the apps read, exactly as named in `.env.example`. Defaults are safe for a
 * developer's machine; production overrides them through the environment.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  // --- api ---
  @IsString()
  API_HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  API_PORT = 3000;

  /** Base URL fal.ai (or fal-sim) uses to reach our webhook, and clients use for status URLs. */
  @IsUrl(URL_OPTIONS)
  PUBLIC_API_URL = 'http://127.0.0.1:3000';

  // --- worker ---
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_HEALTH_PORT = 3001;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY = 10;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 10000;

  // --- data stores ---
  @Matches(DB_URL, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ainfographic';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE = 20;

  @Matches(REDIS_URL, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Namespaces every Redis key (queues, rate limits, pub/sub) so environments can share one Redis. */
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'QUEUE_PREFIX may hold only letters, digits, _ and -' })
  QUEUE_PREFIX = 'ainfographic';

  // --- fal.ai (or fal-sim when FAL_KEY is empty) ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8)
  FAL_KEY?: string;

  @IsString()
  @Matches(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?$/, { message: 'FAL_MODEL must look like owner/alias' })
  FAL_MODEL = 'fal-ai/nano-banana-pro';

  /** Where queue calls go. Empty with a FAL_KEY means fal.ai itself; the default is fal-sim. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  FAL_QUEUE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  FAL_JWKS_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  FAL_WEBHOOK_USER_ID?: string;

  /** Only for local experiments: accepts unsigned webhooks (the api logs a loud warning). */
  @Transform(toBool)
  @IsBoolean()
  FAL_WEBHOOK_VERIFY = true;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  FAL_SIM_PORT = 4010;

  // --- credits ---
  @Transform(toInt)
  @IsInt()
  @Min(0)
  CREDITS_PRICE_PER_IMAGE = 1;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  CREDITS_PRICE_4K = 2;

  // --- the demo user `npm start` makes sure of (never in production) ---
  @IsString()
  DEMO_USER_EMAIL = 'demo@ainfographic.local';

  @Matches(/^aig_[A-Za-z0-9_-]{16,}$/, {
    message: 'DEMO_API_TOKEN must start with aig_ followed by at least 16 URL-safe characters',
  })
  DEMO_API_TOKEN = 'aig_local_demo_token_change_me';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  DEMO_USER_CREDITS = 100;
}
