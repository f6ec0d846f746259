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
  ValidateBy,
} from 'class-validator';

import { mediaHostProblem, splitMediaHosts } from './media-hosts';
import { DEFAULT_CREDIT_PACKS } from './credit-packs';
import { parseRedisAddresses } from './redis-topology';
import { parseTrustProxy } from './trust-proxy';

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

/** fal's `safety_tolerance` values, strictest first (a string on fal's wire). */
export const FAL_SAFETY_TOLERANCES = ['1', '2', '3', '4', '5', '6'] as const;
export type FalSafetyToleranceSetting = (typeof FAL_SAFETY_TOLERANCES)[number];

/** The development default of FAL_WEBHOOK_SECRET: public, so production refuses it. */
export const DEV_FAL_WEBHOOK_SECRET = 'local-dev-webhook-secret-change-me-0123456789';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const DB_URL = /^postgres(ql)?:\/\/.+/;
const ORIGIN = String.raw`https?://[A-Za-z0-9.-]+(?::\d{1,5})?`;
const CORS_ORIGIN_LIST = new RegExp(`^\\s*(?:\\*|${ORIGIN}(?:\\s*,\\s*${ORIGIN})*)?\\s*$`, 'i');
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

  /**
   * Where users open the web page, when it is not served by the api at PUBLIC_API_URL's root:
   * Stripe Checkout sends buyers back there (`?checkout=success` or `?checkout=cancel`).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  PUBLIC_WEB_URL?: string;

  /**
   * How long a client may take to send one request, headers and body, and how long a request may
   * leave its socket silent. fal's webhook sender gives up after about 15 s and clients send small
   * bodies, so a connection still dripping a body after this is hostile (408, then closed).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  HTTP_REQUEST_TIMEOUT_MS = 30000;

  /**
   * How long an idle keep-alive connection stays open. Longer than load balancers' usual 60 s idle
   * timeout, so the api never closes a connection the balancer is about to reuse (a 502).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72000;

  /**
   * Whose X-Forwarded-For to believe (client address for logs and the dashboard's login throttle):
   * `false` (nothing in front), `true` (every hop: only if the api is reachable through the proxy
   * alone), a hop count, or a comma list of proxy addresses/CIDRs (see Fastify's trustProxy).
   */
  @ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && parseTrustProxy(value) !== undefined,
      defaultMessage: () =>
        'TRUST_PROXY must be false, true, a hop count, or a comma list of addresses/CIDRs',
    },
  })
  TRUST_PROXY = 'false';

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
  /**
   * Jobs at once per queue in one worker process. The steps mostly wait (on fal, downloads, the
   * database), so many at once is cheap, and it batches round trips: see bench/README.md.
   */
  WORKER_CONCURRENCY = 100;

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

  /**
   * `transaction` when DATABASE_URL points at a pooler in transaction mode (PgBouncer, pgcat,
   * Supavisor): no named prepared statements and no session settings (statement_timeout) on its
   * connections; LISTEN and migrations go to DATABASE_DIRECT_URL instead. docs/deployment.md.
   */
  @IsIn(['none', 'transaction'])
  DATABASE_POOLER: 'none' | 'transaction' = 'none';

  /**
   * Postgres itself, not the pooler: for the connection that LISTENs for token revocations (it
   * must keep one session) and for migrations. Empty: DATABASE_URL.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(DB_URL, { message: 'DATABASE_DIRECT_URL must be a postgres:// URL' })
  DATABASE_DIRECT_URL?: string;

  @Matches(REDIS_URL, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Namespaces every Redis key (queues, rate limits, pub/sub) so environments can share one Redis. */
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'QUEUE_PREFIX may hold only letters, digits, _ and -' })
  QUEUE_PREFIX = 'ainfographic';

  /**
   * Sentinels (host:port,…) to ask where the Redis primary is; set, they replace REDIS_URL's host
   * and the apps follow a failover. REDIS_URL still gives the password, user and TLS.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy({
    name: 'redisAddresses',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !!parseRedisAddresses(value),
      defaultMessage: () => 'REDIS_SENTINELS must be a comma-separated list of host:port',
    },
  })
  REDIS_SENTINELS?: string;

  /** The Sentinel's name of the primary (`sentinel monitor <name> …`). */
  @Matches(/^[A-Za-z0-9._-]+$/, {
    message: 'REDIS_SENTINEL_NAME may hold only letters, digits, ., _ and -',
  })
  REDIS_SENTINEL_NAME = 'mymaster';

  /** The sentinels' own password (`requirepass` in sentinel.conf), when they have one. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  /**
   * Redis Cluster seed nodes (host:port,…); set, the apps talk to the cluster and every key's
   * prefix becomes `{QUEUE_PREFIX}` (one hash slot, as BullMQ needs).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @ValidateBy({
    name: 'redisAddresses',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !!parseRedisAddresses(value),
      defaultMessage: () => 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
    },
  })
  REDIS_CLUSTER_NODES?: string;

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

  /**
   * fal's `safety_tolerance` for every generation: "1" (strictest) to "6" (most permissive).
   * Unset: not sent, so fal's own default applies ("4" for nano-banana-pro).
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(FAL_SAFETY_TOLERANCES, {
    message: "FAL_SAFETY_TOLERANCE must be one of 1 to 6 (1 strictest), or empty for fal's default",
  })
  FAL_SAFETY_TOLERANCE?: FalSafetyToleranceSetting;

  /**
   * Keys the per-infograph token in the webhook URL we give fal (an HMAC of the infograph id), so
   * a delivery proves it is for a request we made for that infograph. Comma-separated to rotate:
   * the first signs new URLs, every one is accepted.
   */
  @Matches(/^[^,\s]{32,}(,[^,\s]{32,})*$/, {
    message: 'FAL_WEBHOOK_SECRET must be one or more comma-separated secrets of 32+ characters',
  })
  FAL_WEBHOOK_SECRET = DEV_FAL_WEBHOOK_SECRET;

  /** Only for local experiments: accepts unsigned webhooks (the api logs a loud warning). */
  @Transform(toBool)
  @IsBoolean()
  FAL_WEBHOOK_VERIFY = true;

  /**
   * Lets NODE_ENV=production run with fal-sim (no FAL_KEY), trusting fal-sim's webhook keys: for a
   * staging stack such as docker-compose's, never for real users. The apps log a loud warning.
   */
  @Transform(toBool)
  @IsBoolean()
  UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION = false;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  FAL_SIM_PORT = 4010;

  /**
   * Where fal-sim answers (queue, JWKS, images), used only while FAL_KEY is empty, so a real key
   * never trusts it. Empty: http://127.0.0.1:FAL_SIM_PORT. docker-compose sets http://fal-sim:4010.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  FAL_SIM_URL?: string;

  /**
   * Where the upload job may download fal images from, replacing the default rule: comma-separated
   * `host`, `host:port` or `*.domain` entries, each optionally limited to a `/path/`. Empty:
   * fal's media hosts (`fal.media`, `*.fal.media`, `storage.googleapis.com/falserverless/`), or
   * fal-sim's host when FAL_KEY is empty.
   */
  @ValidateBy({
    name: 'isMediaHostList',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && splitMediaHosts(value).every((e) => !mediaHostProblem(e)),
      defaultMessage: (args) =>
        `FAL_MEDIA_HOSTS has a bad entry: ${splitMediaHosts(String(args?.value ?? ''))
          .map(mediaHostProblem)
          .filter(Boolean)
          .join('; ')}`,
    },
  })
  @IsString()
  FAL_MEDIA_HOSTS = '';

  /**
   * Tests only: lets the upload download fal's images over plain http although FAL_KEY is set
   * (fal's media hosts are https; fal-sim, used when FAL_KEY is empty, is allowed http anyway).
   * Production refuses it.
   */
  @Transform(toBool)
  @IsBoolean()
  FAL_MEDIA_ALLOW_HTTP = false;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  IMAGE_MAX_BYTES = 40 * 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  IMAGE_DOWNLOAD_TIMEOUT_MS = 60000;

  // --- fal's webhook deliveries ---
  /**
   * Rejected (badly signed) deliveries written to the log and to fal_webhook_deliveries, per minute
   * and api process; the rest are only counted in metrics, so forged traffic stays bounded.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  WEBHOOK_REJECTIONS_RECORDED_PER_MINUTE = 20;

  /**
   * fal_webhook_deliveries, and finished customer webhook messages, older than this are deleted
   * by the reconciler.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_DELIVERY_RETENTION_DAYS = 30;

  // --- jobs ---
  /** First retry delay; later ones grow exponentially with jitter. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  JOB_BACKOFF_MS = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  JOB_ATTEMPTS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  RECONCILE_INTERVAL_MS = 30000;

  /** A `pending` infograph this old with no live submit job is enqueued again. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RECONCILE_PENDING_AFTER_MS = 60000;

  /** A `processing` infograph this old with no webhook is polled at fal. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RECONCILE_PROCESSING_AFTER_MS = 300000;

  /**
   * The longest an infograph may stay unfinished, counted from its create: past it the reconciler
   * gives it up (cancelled at fal if it is there, failed `timed_out`, refunded). A bound a user
   * waits out, not fal's hours of webhook retries: a late result is ignored.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  GENERATION_TIMEOUT_MS = 15 * 60 * 1000;

  // --- fal circuit breaker (apps/worker/src/fal-breaker) ---
  /** Consecutive unanswered submits (5xx, timeouts, unreachable) within the window that open it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  FAL_BREAKER_FAILURES = 5;

  /** The window those failures must fall in, counted from the first. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  FAL_BREAKER_WINDOW_MS = 60000;

  /** How long submits pause once it opens; doubled after each failed probe, up to the maximum. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  FAL_BREAKER_COOLDOWN_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  FAL_BREAKER_MAX_COOLDOWN_MS = 300000;

  /**
   * How long after its create a `pending` infograph may wait for fal to come back; past it, still
   * held by the breaker, it is failed and refunded (`fal_unavailable`). Above
   * GENERATION_TIMEOUT_MS it has no effect: the generation timeout ends the wait first.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  FAL_OUTAGE_DEADLINE_MS = 10 * 60 * 1000;

  // --- fal capacity and fairness (libs/pipeline/src/fal-capacity) ---
  /**
   * Requests at fal at once, across every worker and api process: set it to the fal account's
   * concurrency limit. Work beyond it waits in our queue and is fed to fal in fair order (least in
   * flight per user first, then round robin). Empty or 0: no limit (fal's own FIFO decides).
   */
  @Transform(({ value }: { value: unknown }) => (value === '' ? 0 : toInt({ value })))
  @IsInt()
  @Min(0)
  @Max(10000)
  FAL_MAX_IN_FLIGHT = 2;

  /** At most this many of one user's requests at fal at once (0: no cap of its own). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FAL_MAX_IN_FLIGHT_PER_USER = 0;

  /**
   * A create of at most this many infographs is interactive (someone trying one idea): it goes
   * before bulk creates waiting for a slot. 0: no create is interactive.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  FAL_INTERACTIVE_MAX_BATCH = 1;

  /**
   * How long a slot is held without being renewed: the reconciler renews the slots of requests
   * still at fal every pass, so a crashed process leaves at most this long of an idle slot.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  FAL_SLOT_LEASE_MS = 120000;

  // --- blog scraping ---
  /** Tests only: host:port pairs the scraper may fetch although they are private. Never in production. */
  @IsString()
  SCRAPER_ALLOW_PRIVATE_HOSTS = '';

  // --- storage (Cloudflare R2 or any S3 API; local folder when S3_BUCKET is empty) ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['local', 's3'])
  STORAGE_DRIVER?: 'local' | 's3';

  @IsString()
  LOCAL_STORAGE_DIR = '.data/files';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  S3_ENDPOINT?: string;

  @IsString()
  S3_REGION = 'auto';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  S3_BUCKET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  @Transform(toBool)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  S3_PUBLIC_BASE_URL?: string;

  // --- e-mail (logged instead of sent when SMTP_URL is empty) ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  MAIL_FROM = 'ainfographic <no-reply@ainfographic.local>';

  // --- credits ---
  @Transform(toInt)
  @IsInt()
  @Min(0)
  CREDITS_PRICE_PER_IMAGE = 1;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  CREDITS_PRICE_4K = 2;

  // --- accounts: sign-up, sign-in, sessions ---
  /** Credits granted once per account, when its e-mail is verified (0: none). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  STARTER_CREDITS = 3;

  /** How long a sign-in lasts (its session and cookie), from the moment of signing in. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 366)
  SESSION_TTL_HOURS = 168;

  /** How long the link that confirms an e-mail address works. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  EMAIL_VERIFICATION_TTL_HOURS = 48;

  /** How long a password-reset link works (once). */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(24 * 60)
  PASSWORD_RESET_TTL_MINUTES = 60;

  /** Failed sign-ins to one account from one client address per LOGIN_WINDOW_SECONDS, then 429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ACCOUNT_IP = 5;

  /** Failed sign-ins from one client address, whatever the accounts, per LOGIN_WINDOW_SECONDS. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_IP = 30;

  /** The window of the two limits above, from the first failure. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_WINDOW_SECONDS = 900;

  /**
   * Failed sign-ins to one account from all addresses together per LOGIN_ACCOUNT_LOCK_SECONDS:
   * stops guessing spread over many addresses. Kept short, because anyone can trigger it for
   * someone else's account; API keys and password reset still work meanwhile.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ACCOUNT = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  LOGIN_ACCOUNT_LOCK_SECONDS = 300;

  /** Sign-ups, verification re-sends and password-reset requests per client address per hour. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ACCOUNT_REQUESTS_MAX_PER_IP = 20;

  /** Mails we send about one e-mail address per hour (sign-up, re-send, reset): no mail bombing. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ACCOUNT_MAILS_MAX_PER_EMAIL = 5;

  // --- buying credits (Stripe Checkout; off unless both keys are set) ---
  /** Stripe's secret API key (`sk_live_…`, `sk_test_…`, or a restricted `rk_…` key). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, {
    message: 'STRIPE_SECRET_KEY must be a Stripe secret key: sk_live_…, sk_test_… (or rk_…)',
  })
  STRIPE_SECRET_KEY?: string;

  /** The signing secret of our webhook endpoint in Stripe (`whsec_…`). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/=_-]+$/, {
    message: 'STRIPE_WEBHOOK_SECRET must be a webhook signing secret: whsec_…',
  })
  STRIPE_WEBHOOK_SECRET?: string;

  /**
   * Tests only: sends Stripe API calls to a local stand-in instead of api.stripe.com. Production
   * refuses it on http or a local address.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  STRIPE_API_URL?: string;

  /** The packs users can buy: a JSON array, checked at start-up (see libs/config/src/credit-packs.ts). */
  @IsString()
  CREDIT_PACKS = DEFAULT_CREDIT_PACKS;

  // --- operations ---
  /** Optional: `/metrics` then needs `Authorization: Bearer <METRICS_TOKEN>`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  /** HTTP basic auth for the queue dashboard at /admin/queues; empty disables the dashboard. */
  @IsString()
  ADMIN_USER = 'admin';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(12)
  ADMIN_PASSWORD?: string;

  /**
   * Lets the dashboard change queues (retry, clean, empty, obliterate, add jobs). Off, it is
   * read-only: the api refuses those calls, whatever the page sends.
   */
  @Transform(toBool)
  @IsBoolean()
  ADMIN_QUEUE_ACTIONS = false;

  /** Failed dashboard logins per client address per window before it gets 429 (shared in Redis). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ADMIN_LOGIN_MAX_FAILURES_PER_IP = 10;

  /**
   * Failed basic-auth logins per window from all addresses together, so rotating addresses does
   * not buy more guesses. Past it the password is refused everywhere; an admin token still works.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ADMIN_LOGIN_MAX_FAILURES = 100;

  /** The window of both login limits, counted from the first failure. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ADMIN_LOGIN_WINDOW_SECONDS = 900;

  /** Creates per user per minute (shared across api instances through Redis). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_CREATE_PER_MINUTE = 60;

  // --- browser clients on other origins (CORS) ---
  /**
   * Origins (`scheme://host[:port]`, comma-separated) whose scripts may call the API with a
   * token, or `*` for any; empty (the default) sends no CORS headers at all. Never with cookies.
   */
  @Matches(CORS_ORIGIN_LIST, {
    message:
      'CORS_ORIGINS must be empty, *, or comma-separated origins such as https://app.example.com',
  })
  CORS_ORIGINS = '';

  // --- outbound webhooks to customers (Standard Webhooks; docs/webhooks.md) ---
  /** Attempts per delivery, the first included, before it is given up (failed). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30)
  WEBHOOK_MAX_ATTEMPTS = 13;

  /**
   * The first retry's delay; each next one doubles, less up to 20 % jitter. With 13 attempts the
   * last retry comes 23 to 28 hours after the first attempt.
   */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  WEBHOOK_RETRY_BASE_MS = 25_000;

  /** One attempt's budget: connect, send, and the receiver's answer. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** An endpoint whose deliveries have all failed for this long is disabled and its owner mailed. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  WEBHOOK_DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;

  /** After a secret rotation, deliveries are signed with the old secret too for this long. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600 * 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_MAX_ENDPOINTS_PER_USER = 10;

  /**
   * Tests and local development only: endpoint URLs may be plain http and on loopback or private
   * addresses. Production refuses it.
   */
  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_INSECURE_URLS = false;

  /** `credits.low` is sent when a charge takes a balance below this many credits; 0: never. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  CREDITS_LOW_THRESHOLD = 5;

  /**
   * How long the api may reuse a token it has checked, without asking the database again. A
   * revocation reaches the api at once (Postgres NOTIFY); this bounds it if that signal is lost.
   * 0 checks every request against the database.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_CACHE_SECONDS = 10;

  /**
   * Open WebSockets per user on ONE api process (each process counts its own); an upgrade past
   * it gets 429. Stops one user (or a leaked token) from holding a process's sockets and memory.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  WS_MAX_CONNECTIONS_PER_USER = 20;

  // --- notifications: Web Push, the presence-aware e-mail, unsubscribe links (docs/notifications.md) ---
  /** VAPID key pair (`npm run cli -- push:vapid-keys`); push is off unless all three are set. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{87}$/, {
    message:
      'VAPID_PUBLIC_KEY must be a URL-safe base64 P-256 public key (npm run cli -- push:vapid-keys)',
  })
  VAPID_PUBLIC_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{43}$/, {
    message:
      'VAPID_PRIVATE_KEY must be a URL-safe base64 P-256 private key (npm run cli -- push:vapid-keys)',
  })
  VAPID_PRIVATE_KEY?: string;

  /** Who push services contact about our pushes: `mailto:ops@example.com` or an https URL. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(mailto:\S+@\S+|https:\/\/\S+)$/, {
    message: 'VAPID_SUBJECT must be a mailto: address or an https:// URL',
  })
  VAPID_SUBJECT?: string;

  /** Tests only: push endpoints may be plain http and on loopback. Production refuses it. */
  @Transform(toBool)
  @IsBoolean()
  PUSH_ALLOW_INSECURE_ENDPOINTS = false;

  /**
   * How long after an infograph finishes its e-mail waits; it is skipped if the user saw the
   * result on an open page meanwhile. 0 sends at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  NOTIFY_EMAIL_DELAY_MS = 30_000;

  /**
   * Signs the unsubscribe links in e-mails (HMAC). Empty: a key derived from FAL_WEBHOOK_SECRET's
   * first secret (which production requires anyway); set it to rotate either on its own.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(32, { message: 'UNSUBSCRIBE_SECRET must be at least 32 characters' })
  UNSUBSCRIBE_SECRET?: string;

  /**
   * How far back a reconnecting client (WebSocket `last_event_id`, SSE `Last-Event-ID`) can
   * resume: each user's events are kept this long in a Redis Stream. An older id gets `resync`.
   */
  @Transform(toInt)
  @IsInt()
  @Min(10_000)
  @Max(86_400_000)
  EVENT_REPLAY_WINDOW_MS = 900_000;

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
