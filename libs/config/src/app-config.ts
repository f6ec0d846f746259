import { createHmac } from 'node:crypto';

import { CreditPack, parseCreditPacks } from './credit-packs';
import { Environment, FalSafetyToleranceSetting } from './environment';
import { FAL_MEDIA_HOSTS, splitMediaHosts } from './media-hosts';
import { RedisTopology, keyPrefixFor, parseRedisAddresses } from './redis-topology';
import { TrustProxy, parseTrustProxy } from './trust-proxy';

/**
 * The validated settings, grouped by concern. Injected by its class (`constructor(config: AppConfig)`),
 * so nothing outside libs/config reads `process.env`.
 */
const list = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);

/** Validated by Environment, so the address lists parse here. */
function redisTopology(e: Environment): RedisTopology {
  if (e.REDIS_CLUSTER_NODES) {
    return { kind: 'cluster', nodes: parseRedisAddresses(e.REDIS_CLUSTER_NODES) ?? [] };
  }
  if (e.REDIS_SENTINELS) {
    return {
      kind: 'sentinel',
      sentinels: parseRedisAddresses(e.REDIS_SENTINELS) ?? [],
      masterName: e.REDIS_SENTINEL_NAME,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
    };
  }
  return { kind: 'single' };
}

export class AppConfig {
  readonly env: Environment['NODE_ENV'];
  readonly logLevel: string;
  readonly api: { host: string; port: number; publicUrl: string };
  /** The api's HTTP server: timeouts and which proxies' X-Forwarded-For to believe. */
  readonly http: {
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    trustProxy: TrustProxy;
  };
  readonly worker: { healthPort: number; concurrency: number; shutdownGraceMs: number };
  readonly database: {
    url: string;
    /** Postgres without the pooler: the LISTEN connection and migrations. */
    directUrl: string;
    poolSize: number;
    /** `transaction`: DATABASE_URL is a transaction-mode pooler (see DATABASE_POOLER). */
    pooler: 'none' | 'transaction';
  };
  /**
   * `prefix` is what every key starts with: QUEUE_PREFIX, wrapped as `{QUEUE_PREFIX}` on a
   * cluster (see keyPrefixFor). `url` gives the credentials; `topology` where the servers are.
   */
  readonly redis: { url: string; prefix: string; topology: RedisTopology };
  readonly fal: {
    /** The key sent to fal. Locally (no FAL_KEY) a placeholder fal-sim accepts. */
    key: string;
    /** True when no FAL_KEY is set and calls go to fal-sim. */
    simulated: boolean;
    /** UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: production may run on fal-sim (staging stacks only). */
    allowSimInProduction: boolean;
    model: string;
    /** Rewrites fal's queue host (fal-sim locally); undefined means fal.ai itself. */
    queueUrl?: string;
    jwksUrl: string;
    webhookUserId?: string;
    /** HMAC keys of the webhook URL token; the first signs, all verify (rotation). */
    webhookSecrets: string[];
    verifyWebhooks: boolean;
    simPort: number;
    /** Sent as the model's `safety_tolerance`; undefined leaves fal's default. */
    safetyTolerance?: FalSafetyToleranceSetting;
  };
  readonly webhooks: { rejectionsRecordedPerMinute: number; retentionDays: number };
  readonly credits: { pricePerImage: number; price4k: number };
  /** Self-service accounts: starter credits, sessions, mailed links and sign-in throttles. */
  readonly accounts: {
    starterCredits: number;
    sessionTtlMs: number;
    emailVerificationTtlMs: number;
    passwordResetTtlMs: number;
    /**
     * The session cookie. Secure (and so `__Host-` prefixed: this host only, Path=/) whenever
     * the api is served over https or runs in production; plain only in local development.
     */
    sessionCookie: { name: string; secure: boolean };
    loginThrottle: {
      maxFailuresPerAccountIp: number;
      maxFailuresPerIp: number;
      windowSeconds: number;
      maxFailuresPerAccount: number;
      accountWindowSeconds: number;
    };
    requestThrottle: { maxPerIp: number; maxMailsPerEmail: number; windowSeconds: number };
  };
  /** Buying credits with Stripe Checkout; `enabled` only with both keys. */
  readonly payments: {
    enabled: boolean;
    secretKey?: string;
    webhookSecret?: string;
    /** Where the Stripe SDK sends API calls (a local stand-in in tests); undefined: Stripe. */
    apiUrl?: { protocol: 'http' | 'https'; host: string; port: number };
    packs: CreditPack[];
    /** Where Checkout sends buyers back: the web page (PUBLIC_WEB_URL, else PUBLIC_API_URL). */
    returnUrl: string;
  };
  readonly images: {
    /** `FAL_MEDIA_HOSTS` entries (syntax: media-hosts.ts); match a URL with `mediaUrlAllowed`. */
    mediaHosts: readonly string[];
    /** Plain http media too: fal-sim serves http; fal's own media hosts are https only. */
    allowHttp: boolean;
    maxBytes: number;
    downloadTimeoutMs: number;
  };
  readonly jobs: { backoffMs: number; attempts: number };
  readonly reconcile: {
    intervalMs: number;
    pendingAfterMs: number;
    processingAfterMs: number;
    /** GENERATION_TIMEOUT_MS: the longest an infograph stays unfinished, from its create. */
    generationTimeoutMs: number;
  };
  /** The worker's fal circuit breaker, and how long a held infograph may wait (see .env.example). */
  readonly falBreaker: {
    failures: number;
    windowMs: number;
    cooldownMs: number;
    maxCooldownMs: number;
    outageDeadlineMs: number;
  };
  /**
   * fal's capacity shared fairly (libs/pipeline fal-capacity): `maxInFlight` 0 means no limit.
   * `interactiveMaxBatch`: creates this small are served before bulk ones.
   */
  readonly falCapacity: {
    maxInFlight: number;
    maxInFlightPerUser: number;
    interactiveMaxBatch: number;
    leaseMs: number;
  };
  readonly scraper: { allowPrivateHosts: string[] };
  readonly storage:
    | { driver: 'local'; local: { root: string; publicBaseUrl: string } }
    | {
        driver: 's3';
        s3: {
          endpoint?: string;
          region: string;
          bucket: string;
          accessKeyId: string;
          secretAccessKey: string;
          forcePathStyle: boolean;
          publicBaseUrl: string;
        };
      };
  readonly mail: { smtpUrl?: string; from: string };
  readonly metrics: { token?: string };
  readonly admin: {
    user: string;
    password?: string;
    /** Retry, clean, empty, obliterate, add from the dashboard; read-only without it. */
    queueActions: boolean;
    loginThrottle: { maxFailuresPerIp: number; maxFailures: number; windowSeconds: number };
  };
  readonly rateLimit: { createPerMinute: number };
  /** Origins whose scripts may call the API (lower case; `*` for any); empty: CORS off. */
  readonly cors: { origins: string[] };
  /** Outbound webhooks to customers' endpoints (libs/customer-webhooks). */
  readonly customerWebhooks: {
    maxAttempts: number;
    retryBaseMs: number;
    timeoutMs: number;
    disableAfterMs: number;
    secretOverlapMs: number;
    maxEndpointsPerUser: number;
    /** Tests only: http and non-public addresses allowed. */
    allowInsecureUrls: boolean;
    creditsLowThreshold: number;
  };
  readonly auth: { cacheMs: number };
  /** `maxConnectionsPerUser` is per api process. */
  readonly realtime: {
    maxConnectionsPerUser: number;
    /** Events are kept per user this long, so a client that reconnects gets what it missed. */
    replayWindowMs: number;
  };
  /** Web Push (off unless the three VAPID settings are set); see docs/notifications.md. */
  readonly push: {
    vapid?: { publicKey: string; privateKey: string; subject: string };
    /** Tests only: http and non-public push endpoints allowed. */
    allowInsecureEndpoints: boolean;
  };
  /** The infograph e-mail's wait for a sign of presence, and the key of unsubscribe links. */
  readonly notify: { emailDelayMs: number; unsubscribeSecret: string };
  readonly demo: { email: string; token: string; credits: number };

  constructor(e: Environment) {
    const simulated = !e.FAL_KEY;
    const simUrl = (e.FAL_SIM_URL ?? `http://127.0.0.1:${e.FAL_SIM_PORT}`).replace(/\/+$/, '');
    // fal-sim's image URLs name the host it is reached at, so that host is its media host.
    const simMediaHosts = e.FAL_SIM_URL
      ? [new URL(simUrl).host]
      : [`127.0.0.1:${e.FAL_SIM_PORT}`, `localhost:${e.FAL_SIM_PORT}`];
    this.env = e.NODE_ENV;
    this.logLevel = e.LOG_LEVEL;
    this.api = {
      host: e.API_HOST,
      port: e.API_PORT,
      publicUrl: e.PUBLIC_API_URL.replace(/\/+$/, ''),
    };
    this.http = {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      // Validated by Environment, so never undefined here.
      trustProxy: parseTrustProxy(e.TRUST_PROXY) ?? false,
    };
    this.worker = {
      healthPort: e.WORKER_HEALTH_PORT,
      concurrency: e.WORKER_CONCURRENCY,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    };
    this.database = {
      url: e.DATABASE_URL,
      directUrl: e.DATABASE_DIRECT_URL ?? e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      pooler: e.DATABASE_POOLER,
    };
    const topology = redisTopology(e);
    this.redis = {
      url: e.REDIS_URL,
      prefix: keyPrefixFor(e.QUEUE_PREFIX, topology),
      topology,
    };
    this.fal = {
      key: e.FAL_KEY ?? 'fal-sim-local-key',
      simulated,
      allowSimInProduction: e.UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION,
      model: e.FAL_MODEL,
      queueUrl: e.FAL_QUEUE_URL ?? (simulated ? simUrl : undefined),
      jwksUrl:
        e.FAL_JWKS_URL ??
        (simulated
          ? `${simUrl}/.well-known/jwks.json`
          : 'https://rest.alpha.fal.ai/.well-known/jwks.json'),
      webhookUserId: e.FAL_WEBHOOK_USER_ID,
      webhookSecrets: e.FAL_WEBHOOK_SECRET.split(','),
      verifyWebhooks: e.FAL_WEBHOOK_VERIFY,
      simPort: e.FAL_SIM_PORT,
      safetyTolerance: e.FAL_SAFETY_TOLERANCE,
    };
    this.webhooks = {
      rejectionsRecordedPerMinute: e.WEBHOOK_REJECTIONS_RECORDED_PER_MINUTE,
      retentionDays: e.WEBHOOK_DELIVERY_RETENTION_DAYS,
    };
    this.credits = { pricePerImage: e.CREDITS_PRICE_PER_IMAGE, price4k: e.CREDITS_PRICE_4K };
    const secureCookie = this.api.publicUrl.startsWith('https:') || e.NODE_ENV === 'production';
    this.accounts = {
      starterCredits: e.STARTER_CREDITS,
      sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
      emailVerificationTtlMs: e.EMAIL_VERIFICATION_TTL_HOURS * 3_600_000,
      passwordResetTtlMs: e.PASSWORD_RESET_TTL_MINUTES * 60_000,
      sessionCookie: {
        name: secureCookie ? '__Host-aig_session' : 'aig_session',
        secure: secureCookie,
      },
      loginThrottle: {
        maxFailuresPerAccountIp: e.LOGIN_MAX_FAILURES_PER_ACCOUNT_IP,
        maxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
        windowSeconds: e.LOGIN_WINDOW_SECONDS,
        maxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        accountWindowSeconds: e.LOGIN_ACCOUNT_LOCK_SECONDS,
      },
      requestThrottle: {
        maxPerIp: e.ACCOUNT_REQUESTS_MAX_PER_IP,
        maxMailsPerEmail: e.ACCOUNT_MAILS_MAX_PER_EMAIL,
        windowSeconds: 3600,
      },
    };
    this.payments = {
      enabled: e.STRIPE_SECRET_KEY !== undefined && e.STRIPE_WEBHOOK_SECRET !== undefined,
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiUrl: e.STRIPE_API_URL ? stripeApiUrl(e.STRIPE_API_URL) : undefined,
      packs: parseCreditPacks(e.CREDIT_PACKS).packs,
      returnUrl: (e.PUBLIC_WEB_URL ?? this.api.publicUrl).replace(/\/+$/, ''),
    };
    this.images = {
      mediaHosts: e.FAL_MEDIA_HOSTS
        ? splitMediaHosts(e.FAL_MEDIA_HOSTS)
        : simulated
          ? simMediaHosts
          : FAL_MEDIA_HOSTS,
      allowHttp: simulated || e.FAL_MEDIA_ALLOW_HTTP,
      maxBytes: e.IMAGE_MAX_BYTES,
      downloadTimeoutMs: e.IMAGE_DOWNLOAD_TIMEOUT_MS,
    };
    this.jobs = { backoffMs: e.JOB_BACKOFF_MS, attempts: e.JOB_ATTEMPTS };
    this.reconcile = {
      intervalMs: e.RECONCILE_INTERVAL_MS,
      pendingAfterMs: e.RECONCILE_PENDING_AFTER_MS,
      processingAfterMs: e.RECONCILE_PROCESSING_AFTER_MS,
      generationTimeoutMs: e.GENERATION_TIMEOUT_MS,
    };
    this.falBreaker = {
      failures: e.FAL_BREAKER_FAILURES,
      windowMs: e.FAL_BREAKER_WINDOW_MS,
      cooldownMs: e.FAL_BREAKER_COOLDOWN_MS,
      // A maximum below the first cooldown would shorten later pauses: never below it.
      maxCooldownMs: Math.max(e.FAL_BREAKER_COOLDOWN_MS, e.FAL_BREAKER_MAX_COOLDOWN_MS),
      outageDeadlineMs: e.FAL_OUTAGE_DEADLINE_MS,
    };
    this.falCapacity = {
      maxInFlight: e.FAL_MAX_IN_FLIGHT,
      maxInFlightPerUser: e.FAL_MAX_IN_FLIGHT_PER_USER,
      interactiveMaxBatch: e.FAL_INTERACTIVE_MAX_BATCH,
      // The reconciler renews leases once a pass: one shorter than two passes would lapse under a
      // request still at fal, so never below that.
      leaseMs: Math.max(e.FAL_SLOT_LEASE_MS, 2 * e.RECONCILE_INTERVAL_MS),
    };
    this.scraper = { allowPrivateHosts: list(e.SCRAPER_ALLOW_PRIVATE_HOSTS) };
    const s3 =
      e.STORAGE_DRIVER === 's3' || (e.STORAGE_DRIVER === undefined && e.S3_BUCKET !== undefined);
    this.storage = s3
      ? {
          driver: 's3',
          s3: {
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            bucket: e.S3_BUCKET ?? '',
            accessKeyId: e.S3_ACCESS_KEY_ID ?? '',
            secretAccessKey: e.S3_SECRET_ACCESS_KEY ?? '',
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            publicBaseUrl: (e.S3_PUBLIC_BASE_URL ?? '').replace(/\/+$/, ''),
          },
        }
      : {
          driver: 'local',
          local: { root: e.LOCAL_STORAGE_DIR, publicBaseUrl: this.api.publicUrl },
        };
    this.mail = { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM };
    this.metrics = { token: e.METRICS_TOKEN };
    this.admin = {
      user: e.ADMIN_USER,
      password: e.ADMIN_PASSWORD,
      queueActions: e.ADMIN_QUEUE_ACTIONS,
      loginThrottle: {
        maxFailuresPerIp: e.ADMIN_LOGIN_MAX_FAILURES_PER_IP,
        maxFailures: e.ADMIN_LOGIN_MAX_FAILURES,
        windowSeconds: e.ADMIN_LOGIN_WINDOW_SECONDS,
      },
    };
    this.rateLimit = { createPerMinute: e.RATE_LIMIT_CREATE_PER_MINUTE };
    this.cors = {
      origins: list(e.CORS_ORIGINS).map((origin) =>
        origin === '*' ? origin : new URL(origin).origin,
      ),
    };
    this.customerWebhooks = {
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_MS,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP_MS,
      maxEndpointsPerUser: e.WEBHOOK_MAX_ENDPOINTS_PER_USER,
      allowInsecureUrls: e.WEBHOOK_ALLOW_INSECURE_URLS,
      creditsLowThreshold: e.CREDITS_LOW_THRESHOLD,
    };
    this.auth = { cacheMs: e.AUTH_CACHE_SECONDS * 1000 };
    this.realtime = {
      maxConnectionsPerUser: e.WS_MAX_CONNECTIONS_PER_USER,
      replayWindowMs: e.EVENT_REPLAY_WINDOW_MS,
    };
    this.push = {
      vapid:
        e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY && e.VAPID_SUBJECT
          ? {
              publicKey: e.VAPID_PUBLIC_KEY,
              privateKey: e.VAPID_PRIVATE_KEY,
              subject: e.VAPID_SUBJECT,
            }
          : undefined,
      allowInsecureEndpoints: e.PUSH_ALLOW_INSECURE_ENDPOINTS,
    };
    this.notify = {
      emailDelayMs: e.NOTIFY_EMAIL_DELAY_MS,
      // Its own purpose's key, never FAL_WEBHOOK_SECRET itself: a token proves nothing about fal.
      unsubscribeSecret:
        e.UNSUBSCRIBE_SECRET ??
        createHmac('sha256', this.fal.webhookSecrets[0])
          .update('ainfographic unsubscribe links')
          .digest('base64url'),
    };
    this.demo = { email: e.DEMO_USER_EMAIL, token: e.DEMO_API_TOKEN, credits: e.DEMO_USER_CREDITS };
  }
}

function stripeApiUrl(raw: string): { protocol: 'http' | 'https'; host: string; port: number } {
  const url = new URL(raw);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    protocol,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
  };
}
