import type { FalSimOptions } from './fal-sim.app';
import { FaultSettings } from './faults';

/** Thrown with every bad setting named, so `main.ts` can exit non-zero with a useful message. */
export class SimEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid fal-sim configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SimEnvError';
  }
}

type NumericField = {
  [K in keyof FaultSettings]: FaultSettings[K] extends number ? K : never;
}[keyof FaultSettings];

const RATES: Array<[string, NumericField]> = [
  ['FAL_SIM_SUBMIT_500_RATE', 'submit500Rate'],
  ['FAL_SIM_SUBMIT_429_RATE', 'submit429Rate'],
  ['FAL_SIM_SUBMIT_TIMEOUT_RATE', 'submitTimeoutRate'],
  ['FAL_SIM_FAIL_RATE', 'failRate'],
  ['FAL_SIM_STUCK_RATE', 'stuckRate'],
  ['FAL_SIM_NSFW_RATE', 'nsfwRate'],
  ['FAL_SIM_WEBHOOK_DUP_RATE', 'webhookDupRate'],
  ['FAL_SIM_WEBHOOK_LOST_RATE', 'webhookLostRate'],
  ['FAL_SIM_WEBHOOK_DELAY_RATE', 'webhookDelayRate'],
  ['FAL_SIM_WEBHOOK_OUT_OF_ORDER_RATE', 'webhookOutOfOrderRate'],
  ['FAL_SIM_CANCEL_IGNORED_RATE', 'cancelIgnoredRate'],
  ['FAL_SIM_WEBHOOK_RETRY_KEEPS_TIMESTAMP_RATE', 'webhookRetryKeepsTimestampRate'],
  ['FAL_SIM_GATEWAY_RETRY_RATE', 'gatewayRetryRate'],
];

const LATENCY_PROFILES = ['fixed', 'fal'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * fal-sim reads its own environment (it imports nothing from libs/, config included).
 * Empty values count as unset.
 */
export function readSimEnv(env: NodeJS.ProcessEnv): FalSimOptions {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const value = raw(name);
    if (value === undefined) {
      return fallback;
    }
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name}=${JSON.stringify(value)}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  };
  const rate = (name: string): number | undefined => {
    const value = raw(name);
    if (value === undefined) {
      return undefined;
    }
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
      problems.push(`${name}=${JSON.stringify(value)}: expected a rate between 0 and 1`);
      return undefined;
    }
    return parsed;
  };
  const bool = (name: string): boolean => {
    const value = raw(name)?.toLowerCase();
    if (value === undefined || ['0', 'false', 'no', 'off'].includes(value)) {
      return false;
    }
    if (['1', 'true', 'yes', 'on'].includes(value)) {
      return true;
    }
    problems.push(`${name}=${JSON.stringify(value)}: expected 1/0 or true/false`);
    return false;
  };

  const latencyProfile = raw('FAL_SIM_LATENCY_PROFILE') ?? 'fixed';
  if (!(LATENCY_PROFILES as readonly string[]).includes(latencyProfile)) {
    problems.push(
      `FAL_SIM_LATENCY_PROFILE=${JSON.stringify(latencyProfile)}: expected fixed or fal`,
    );
  }
  const latencyScaleText = raw('FAL_SIM_LATENCY_SCALE');
  const latencyScale = latencyScaleText === undefined ? 1 : Number(latencyScaleText);
  if (!Number.isFinite(latencyScale) || latencyScale <= 0 || latencyScale > 100) {
    problems.push(
      `FAL_SIM_LATENCY_SCALE=${JSON.stringify(latencyScaleText)}: expected a factor above 0, up to 100`,
    );
  }

  const publicUrl = raw('FAL_SIM_PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    problems.push(`FAL_SIM_PUBLIC_URL=${JSON.stringify(publicUrl)}: expected an http(s) URL`);
  }
  const privateKey = raw('FAL_SIM_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  if (
    privateKey !== undefined &&
    !/^[0-9a-f]{64}$/i.test(privateKey) &&
    !privateKey.includes('PRIVATE KEY')
  ) {
    problems.push('FAL_SIM_PRIVATE_KEY: expected 64 hex digits (an Ed25519 seed) or a PKCS#8 PEM');
  }
  const logLevel = raw('FAL_SIM_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(
      `FAL_SIM_LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(', ')}`,
    );
  }

  const options: FalSimOptions = {
    port: int('FAL_SIM_PORT', 4010, 0, 65535),
    host: raw('FAL_SIM_HOST') ?? '127.0.0.1',
    publicUrl,
    seed: raw('FAL_SIM_SEED'),
    userId: raw('FAL_SIM_USER_ID') ?? 'fal-sim-user',
    privateKey,
    requiredKey: raw('FAL_SIM_KEY'),
    latencyMs: int('FAL_SIM_LATENCY_MS', 2000, 0),
    jitterMs: int('FAL_SIM_JITTER_MS', 0, 0),
    latencyProfile: latencyProfile as FalSimOptions['latencyProfile'],
    latencyScale,
    concurrency: int('FAL_SIM_CONCURRENCY', 4, 0),
    validateAtSubmit: bool('FAL_SIM_VALIDATE_AT_SUBMIT'),
    jwksBareKeys: bool('FAL_SIM_JWKS_BARE_KEYS'),
    webhookDelayMs: int('FAL_SIM_WEBHOOK_DELAY_MS', 5000, 0),
    webhookRetryBaseMs: int('FAL_SIM_WEBHOOK_RETRY_BASE_MS', 1000, 0),
    webhookRetryMaxMs: int('FAL_SIM_WEBHOOK_RETRY_MAX_MS', 60_000, 0),
    webhookMaxAttempts: int('FAL_SIM_WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
    webhookTimeoutMs: int('FAL_SIM_WEBHOOK_TIMEOUT_MS', 10_000, 1),
    hangMs: int('FAL_SIM_HANG_MS', 30_000, 0),
    maxLongSide:
      raw('FAL_SIM_MAX_LONG_SIDE') === undefined
        ? undefined
        : int('FAL_SIM_MAX_LONG_SIDE', 0, 64, 8192),
    benchImage: bool('FAL_SIM_BENCH_IMAGE'),
    maxRequests: int('FAL_SIM_MAX_REQUESTS', 5000, 1),
    logger: { level: logLevel },
  };
  for (const [name, field] of RATES) {
    const value = rate(name);
    if (value !== undefined) {
      options[field] = value;
    }
  }
  if (problems.length > 0) {
    throw new SimEnvError(problems);
  }
  return options;
}
