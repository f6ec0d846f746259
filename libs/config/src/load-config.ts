import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

import { AppConfig } from './app-config';
import { parseCreditPacks } from './credit-packs';
import { Environment } from './environment';
import { unsafeSettings } from './unsafe-settings';

/** Thrown when settings are missing or malformed; its message names every bad setting. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A wrong type makes range checks noise ("abc" is not "less than 0"): report the type alone. */
const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isString', 'isIn', 'isUrl', 'matches'];

function describe(error: ValidationError): string {
  const constraints = error.constraints ?? {};
  const typeProblem = TYPE_CONSTRAINTS.find((name) => name in constraints);
  const reasons = typeProblem ? constraints[typeProblem] : Object.values(constraints).join('; ');
  const shown = typeof error.value === 'string' ? JSON.stringify(error.value) : String(error.value);
  return `${error.property}=${shown}: ${reasons}`;
}

/** Settings with no default (absent from `new Environment()`'s own keys). */
const OPTIONAL_SETTINGS = [
  'DATABASE_DIRECT_URL',
  'FAL_KEY',
  'FAL_QUEUE_URL',
  'FAL_JWKS_URL',
  'FAL_WEBHOOK_USER_ID',
  'FAL_SAFETY_TOLERANCE',
  'FAL_SIM_URL',
  'STORAGE_DRIVER',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_PUBLIC_BASE_URL',
  'SMTP_URL',
  'METRICS_TOKEN',
  'ADMIN_PASSWORD',
  'PUBLIC_WEB_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_CLUSTER_NODES',
  'VAPID_PUBLIC_KEY',
  'VAPID_PRIVATE_KEY',
  'VAPID_SUBJECT',
  'UNSUBSCRIBE_SECRET',
];

/**
 * Validates the environment once and returns the typed settings. Empty strings count as unset,
 * so a blank line in `.env` falls back to the documented default.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new Environment());
  const raw: Record<string, string> = {};
  for (const key of [...known, ...OPTIONAL_SETTINGS]) {
    const value = env[key];
    if (value !== undefined && value !== '') {
      raw[key] = value;
    }
  }
  const parsed = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: true, forbidUnknownValues: true });
  const problems = [
    ...errors.map(describe),
    ...crossFieldProblems(parsed),
    ...redisProblems(parsed),
    ...paymentProblems(parsed),
    ...vapidProblems(parsed),
    ...unsafeSettings(parsed),
  ];
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return new AppConfig(parsed);
}

/** Reads `.env` from the working directory if there is one (real environment variables win). */
export function loadDotEnv(file = resolve(process.cwd(), '.env')): void {
  if (existsSync(file)) {
    process.loadEnvFile(file);
  }
}

/**
 * For `main.ts` files: load `.env`, validate, and on failure print which settings are wrong and
 * exit non-zero rather than boot half-configured.
 */
export function loadConfigOrExit(): AppConfig {
  loadDotEnv();
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `${error.message}\nSee .env.example for every setting and its default.\n`,
      );
      process.exit(1);
    }
    throw error;
  }
}

/** Rules that span settings: S3 needs its bucket, keys and public URL together. */
function crossFieldProblems(e: Environment): string[] {
  const s3 =
    e.STORAGE_DRIVER === 's3' || (e.STORAGE_DRIVER === undefined && e.S3_BUCKET !== undefined);
  if (!s3) {
    return [];
  }
  const required = [
    'S3_BUCKET',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
    'S3_PUBLIC_BASE_URL',
  ] as const;
  return required
    .filter((name) => e[name] === undefined)
    .map((name) => `${name} is required when storage is S3 (STORAGE_DRIVER=s3 or S3_BUCKET set)`);
}

/** Sentinel and Cluster are two different deployments: one of them, never both. */
function redisProblems(e: Environment): string[] {
  if (e.REDIS_SENTINELS !== undefined && e.REDIS_CLUSTER_NODES !== undefined) {
    return [
      'REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: a Redis Cluster fails over by itself ' +
        '(no Sentinel); set the one your deployment uses',
    ];
  }
  return [];
}

/** Web Push needs the whole VAPID set: a key pair without a subject (or half a pair) cannot sign. */
function vapidProblems(e: Environment): string[] {
  const names = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'] as const;
  const unset = names.filter((name) => e[name] === undefined);
  if (unset.length === 0 || unset.length === names.length) {
    return [];
  }
  return [
    `${unset.join(' and ')} empty although other VAPID settings are set: set all three ` +
      '(npm run cli -- push:vapid-keys makes a key pair), or none to switch Web Push off',
  ];
}

/**
 * Buying credits needs both Stripe keys (one alone is a half-done set-up that would either take
 * money it cannot credit or never be asked to), and packs that parse.
 */
function paymentProblems(e: Environment): string[] {
  const problems: string[] = [];
  if (e.STRIPE_SECRET_KEY !== undefined && e.STRIPE_WEBHOOK_SECRET === undefined) {
    problems.push(
      'STRIPE_WEBHOOK_SECRET is empty although STRIPE_SECRET_KEY is set: without it no payment ' +
        'could be credited; set both (docs/payments.md), or neither to switch purchases off',
    );
  }
  if (e.STRIPE_WEBHOOK_SECRET !== undefined && e.STRIPE_SECRET_KEY === undefined) {
    problems.push(
      'STRIPE_SECRET_KEY is empty although STRIPE_WEBHOOK_SECRET is set: set both ' +
        '(docs/payments.md), or neither to switch purchases off',
    );
  }
  const { packs, problems: packProblems } = parseCreditPacks(e.CREDIT_PACKS);
  problems.push(...packProblems);
  if (packProblems.length === 0 && packs.length === 0 && e.STRIPE_SECRET_KEY !== undefined) {
    problems.push('CREDIT_PACKS is empty although Stripe keys are set: there is nothing to buy');
  }
  return problems;
}
