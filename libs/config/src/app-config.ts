import { Environment } from './environment';

/**
 * The validated settings, grouped by concern. Injected by its class (`constructor(config: AppConfig)`),
 * so nothing outside libs/config reads `process.env`.
 */
export class AppConfig {
  readonly env: Environment['NODE_ENV'];
  readonly logLevel: string;
  readonly api: { host: string; port: number; publicUrl: string };
  readonly worker: { healthPort: number; concurrency: number; shutdownGraceMs: number };
  readonly database: { url: string; poolSize: number };
  readonly redis: { url: string; prefix: string };
  readonly fal: {
    /** The key sent to fal. Locally (no FAL_KEY) a placeholder fal-sim accepts. */
    key: string;
    /** True when no FAL_KEY is set and calls go to fal-sim. */
    simulated: boolean;
    model: string;
    /** Rewrites fal's queue host (fal-sim locally); undefined means fal.ai itself. */
    queueUrl?: string;
    jwksUrl: string;
    webhookUserId?: string;
    verifyWebhooks: boolean;
    simPort: number;
  };
  readonly credits: { pricePerImage: number; price4k: number };
  readonly demo: { email: string; token: string; credits: number };

  constructor(e: Environment) {
    const simulated = !e.FAL_KEY;
    const simUrl = `http://127.0.0.1:${e.FAL_SIM_PORT}`;
    this.env = e.NODE_ENV;
    this.logLevel = e.LOG_LEVEL;
    this.api = {
      host: e.API_HOST,
      port: e.API_PORT,
      publicUrl: e.PUBLIC_API_URL.replace(/\/+$/, ''),
    };
    this.worker = {
      healthPort: e.WORKER_HEALTH_PORT,
      concurrency: e.WORKER_CONCURRENCY,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    };
    this.database = { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE };
    this.redis = { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX };
    this.fal = {
      key: e.FAL_KEY ?? 'fal-sim-local-key',
      simulated,
      model: e.FAL_MODEL,
      queueUrl: e.FAL_QUEUE_URL ?? (simulated ? simUrl : undefined),
      jwksUrl:
        e.FAL_JWKS_URL ??
        (simulated
          ? `${simUrl}/.well-known/jwks.json`
          : 'https://rest.alpha.fal.ai/.well-known/jwks.json'),
      webhookUserId: e.FAL_WEBHOOK_USER_ID,
      verifyWebhooks: e.FAL_WEBHOOK_VERIFY,
      simPort: e.FAL_SIM_PORT,
    };
    this.credits = { pricePerImage: e.CREDITS_PRICE_PER_IMAGE, price4k: e.CREDITS_PRICE_4K };
    this.demo = { email: e.DEMO_USER_EMAIL, token: e.DEMO_API_TOKEN, credits: e.DEMO_USER_CREDITS };
  }
}
