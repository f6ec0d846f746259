import { ACCOUNT_ERRORS } from './account-fault';
import { falLatencyMs } from './latency-profile';
import type { Resolution } from './model-input';
import { Rng } from './prng';

/** Rates are probabilities in 0..1; they apply to every request, markers force a fault for one. */
export interface FaultSettings {
  latencyMs: number;
  jitterMs: number;
  submit500Rate: number;
  submit429Rate: number;
  submitTimeoutRate: number;
  failRate: number;
  stuckRate: number;
  nsfwRate: number;
  webhookDupRate: number;
  webhookLostRate: number;
  webhookDelayRate: number;
  webhookDelayMs: number;
  webhookOutOfOrderRate: number;
  /** 0, or trouble with the whole account (401, 403) or fal down (503): account-fault.ts. */
  accountError: number;
  /** Requests running at once, like a fal account's limit; the rest wait IN_QUEUE. 0: no limit. */
  concurrency: number;
  /** `fixed`: latencyMs (+ jitterMs); `fal`: drawn by resolution like fal's, times latencyScale. */
  latencyProfile: 'fixed' | 'fal';
  latencyScale: number;
  /** Refuse bad input with a 422 at submit; fal accepts it and fails the request later. */
  validateAtSubmit: boolean;
  /** Share of IN_PROGRESS requests a cancel does not stop (fal: only a signal to the runner). */
  cancelIgnoredRate: number;
  /** Share of webhooks whose retries carry the first attempt's timestamp (and signature). */
  webhookRetryKeepsTimestampRate: number;
  /**
   * Share of requests fal retried internally: their gateway_request_id differs from request_id,
   * and their webhooks are signed with the gateway id.
   */
  gatewayRetryRate: number;
  /** Publish JWKS keys with only `x` (no kty, crv, kid): all fal promises. */
  jwksBareKeys: boolean;
}

export const DEFAULT_FAULTS: FaultSettings = {
  latencyMs: 2000,
  jitterMs: 0,
  submit500Rate: 0,
  submit429Rate: 0,
  submitTimeoutRate: 0,
  failRate: 0,
  stuckRate: 0,
  nsfwRate: 0,
  webhookDupRate: 0,
  webhookLostRate: 0,
  webhookDelayRate: 0,
  webhookDelayMs: 5000,
  webhookOutOfOrderRate: 0,
  accountError: 0,
  concurrency: 4,
  latencyProfile: 'fixed',
  latencyScale: 1,
  validateAtSubmit: false,
  cancelIgnoredRate: 0.5,
  webhookRetryKeepsTimestampRate: 0,
  gatewayRetryRate: 0,
  jwksBareKeys: false,
};

const MS_FIELDS = new Set<keyof FaultSettings>(['latencyMs', 'jitterMs', 'webhookDelayMs']);

/** Fields that are neither milliseconds nor rates: how to check them, and what they expect. */
const OTHER_FIELDS: Partial<Record<keyof FaultSettings, [(value: unknown) => boolean, string]>> = {
  concurrency: [(v) => Number.isInteger(v) && (v as number) >= 0, 'an integer >= 0 (0: no limit)'],
  latencyProfile: [(v) => v === 'fixed' || v === 'fal', '"fixed" or "fal"'],
  latencyScale: [(v) => typeof v === 'number' && v > 0 && v <= 100, 'a factor above 0, up to 100'],
  validateAtSubmit: [(v) => typeof v === 'boolean', 'true or false'],
  accountError: [
    (v) => (ACCOUNT_ERRORS as readonly unknown[]).includes(v),
    '0 (none), 401, 403 or 503',
  ],
  jwksBareKeys: [(v) => typeof v === 'boolean', 'true or false'],
};

const MS_CHECK: [(value: unknown) => boolean, string] = [
  (v) => Number.isInteger(v) && (v as number) >= 0,
  'an integer >= 0 (ms)',
];
const RATE_CHECK: [(value: unknown) => boolean, string] = [
  (v) => typeof v === 'number' && v >= 0 && v <= 1,
  'a rate between 0 and 1',
];

/**
 * Merges a partial JSON of settings (admin API, env) into `base`; returns the problems instead
 * when a field is unknown or out of range, so a typo never silently disables a fault.
 */
export function mergeFaults(
  base: FaultSettings,
  patch: unknown,
): { ok: true; settings: FaultSettings } | { ok: false; problems: string[] } {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return { ok: false, problems: ['expected a JSON object of fault settings'] };
  }
  const settings = { ...base };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in DEFAULT_FAULTS)) {
      problems.push(`${key}: unknown setting`);
      continue;
    }
    const field = key as keyof FaultSettings;
    const [valid, expected] = OTHER_FIELDS[field] ?? (MS_FIELDS.has(field) ? MS_CHECK : RATE_CHECK);
    if (!valid(value)) {
      problems.push(`${key}: expected ${expected}`);
      continue;
    }
    (settings as Record<keyof FaultSettings, unknown>)[field] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings };
}

/** Faults asked for by one request, from `[sim:…]` prompt markers or the `x-fal-sim-fault` header. */
export interface Markers {
  submit500: boolean;
  submit429: boolean;
  /** Submit refused as invalid input (422), like fal's validation. */
  submit422: boolean;
  submitTimeout: boolean;
  /** Fail (500) the first N submits of the same prompt, then accept. */
  submitFailFirst: number;
  fail?: '500' | '422';
  stuck: boolean;
  nsfw: boolean;
  dup: boolean;
  lost: boolean;
  outOfOrder: boolean;
  /** A cancel while IN_PROGRESS does not stop this request. */
  cancelIgnored: boolean;
  /** Webhook retries reuse the first attempt's timestamp. */
  retryKeepsTimestamp: boolean;
  /** An OK whose `images` list is empty: how the model's safety filter can answer. */
  emptyImages: boolean;
  /** fal retried the request internally (gateway id differs, and signs the webhooks). */
  gatewayRetry: boolean;
  lateMs?: number;
  slowMs?: number;
  unknown: string[];
}

export function parseMarkers(prompt: string, header?: string): Markers {
  const markers: Markers = {
    submit500: false,
    submit429: false,
    submit422: false,
    submitTimeout: false,
    submitFailFirst: 0,
    stuck: false,
    nsfw: false,
    dup: false,
    lost: false,
    outOfOrder: false,
    cancelIgnored: false,
    retryKeepsTimestamp: false,
    emptyImages: false,
    gatewayRetry: false,
    unknown: [],
  };
  const words = [...prompt.matchAll(/\[sim:([^\]]*)\]/gi)].map((m) => m[1]);
  if (header) {
    words.push(header);
  }
  for (const word of words.flatMap((w) => w.split(',')).map((w) => w.trim().toLowerCase())) {
    const [name, arg] = word.split('=', 2);
    const ms = arg !== undefined && /^\d+$/.test(arg) ? Number(arg) : undefined;
    const failFirst = /^submit-fail-(\d+)$/.exec(name);
    if (failFirst) {
      markers.submitFailFirst = Number(failFirst[1]);
    } else if (name === 'submit-500') {
      markers.submit500 = true;
    } else if (name === 'submit-429') {
      markers.submit429 = true;
    } else if (name === 'submit-422') {
      markers.submit422 = true;
    } else if (name === 'submit-timeout') {
      markers.submitTimeout = true;
    } else if (name === 'fail' || name === 'fail-500') {
      markers.fail = '500';
    } else if (name === 'fail-422') {
      markers.fail = '422';
    } else if (name === 'stuck') {
      markers.stuck = true;
    } else if (name === 'nsfw') {
      markers.nsfw = true;
    } else if (name === 'dup') {
      markers.dup = true;
    } else if (name === 'lost') {
      markers.lost = true;
    } else if (name === 'out-of-order') {
      markers.outOfOrder = true;
    } else if (name === 'cancel-ignored') {
      markers.cancelIgnored = true;
    } else if (name === 'retry-keeps-timestamp') {
      markers.retryKeepsTimestamp = true;
    } else if (name === 'empty-images') {
      markers.emptyImages = true;
    } else if (name === 'gateway-retry') {
      markers.gatewayRetry = true;
    } else if (name === 'late' && ms !== undefined) {
      markers.lateMs = ms;
    } else if (name === 'slow' && ms !== undefined) {
      markers.slowMs = ms;
    } else if (word !== '') {
      markers.unknown.push(word);
    }
  }
  return markers;
}

export type SubmitOutcome = 'accept' | 'error-500' | 'error-429' | 'error-422' | 'timeout';

/**
 * `previousSubmits` counts earlier submits of the same prompt, which is what makes
 * `[sim:submit-fail-2]` fail twice and then succeed across our own job retries.
 * Always draws the same number of values so later decisions stay reproducible.
 */
export function decideSubmit(
  settings: FaultSettings,
  markers: Markers,
  rng: Rng,
  previousSubmits: number,
): SubmitOutcome {
  const [d500, d429, dTimeout] = [rng(), rng(), rng()];
  if (markers.submitTimeout || dTimeout < settings.submitTimeoutRate) {
    return 'timeout';
  }
  if (markers.submit422) {
    return 'error-422';
  }
  if (markers.submit429 || d429 < settings.submit429Rate) {
    return 'error-429';
  }
  if (
    markers.submit500 ||
    previousSubmits < markers.submitFailFirst ||
    d500 < settings.submit500Rate
  ) {
    return 'error-500';
  }
  return 'accept';
}

export interface RunPlan {
  /** How long the request runs once it leaves the queue (it waits there for a free slot first). */
  latencyMs: number;
  /** `invalid-input`: fal accepted input its model refuses; it fails with a 422 once it runs. */
  outcome: 'ok' | 'fail-500' | 'fail-422' | 'invalid-input' | 'stuck';
  nsfw: boolean;
  /** A cancel while IN_PROGRESS is ignored: the request completes (and is billed) anyway. */
  cancelIgnored: boolean;
  /** An OK outcome answers `images: []` (a safety block) instead of rendering. */
  emptyImages: boolean;
  /** Retried inside fal: a gateway_request_id of its own, which signs the webhooks. */
  gatewayRetried: boolean;
  webhook: {
    lost: boolean;
    dup: boolean;
    outOfOrder: boolean;
    delayMs: number;
    retryKeepsTimestamp: boolean;
  };
}

/** What decideRun needs to know about the input itself. */
export interface RunInput {
  resolution: Resolution;
  /** false: the model refuses the input (fal only finds out once the request runs). */
  valid: boolean;
}

export function decideRun(
  settings: FaultSettings,
  markers: Markers,
  rng: Rng,
  input: RunInput = { resolution: '1K', valid: true },
): RunPlan {
  const [dJitter, dFail, dStuck, dNsfw, dDup, dLost, dDelay, dOrder] = Array.from(
    { length: 8 },
    rng,
  );
  const [dCancel, dKeepTimestamp, dTail, dSpread] = Array.from({ length: 4 }, rng);
  const dGatewayRetry = rng();
  let outcome: RunPlan['outcome'] = 'ok';
  if (!input.valid) {
    outcome = 'invalid-input';
  } else if (markers.stuck || dStuck < settings.stuckRate) {
    outcome = 'stuck';
  } else if (markers.fail) {
    outcome = markers.fail === '422' ? 'fail-422' : 'fail-500';
  } else if (dFail < settings.failRate) {
    outcome = 'fail-500';
  }
  const delayed = dDelay < settings.webhookDelayRate ? settings.webhookDelayMs : 0;
  const drawn =
    settings.latencyProfile === 'fal'
      ? falLatencyMs(input.resolution, settings.latencyScale, dTail, dSpread)
      : settings.latencyMs + Math.floor(dJitter * settings.jitterMs);
  return {
    // fal's runner validates the input first, so a refused request fails as soon as it runs.
    latencyMs: outcome === 'invalid-input' ? 0 : (markers.slowMs ?? drawn),
    outcome,
    nsfw: markers.nsfw || dNsfw < settings.nsfwRate,
    cancelIgnored: markers.cancelIgnored || dCancel < settings.cancelIgnoredRate,
    emptyImages: markers.emptyImages,
    gatewayRetried: markers.gatewayRetry || dGatewayRetry < settings.gatewayRetryRate,
    webhook: {
      lost: markers.lost || dLost < settings.webhookLostRate,
      dup: markers.dup || dDup < settings.webhookDupRate,
      outOfOrder: markers.outOfOrder || dOrder < settings.webhookOutOfOrderRate,
      delayMs: markers.lateMs ?? delayed,
      retryKeepsTimestamp:
        markers.retryKeepsTimestamp || dKeepTimestamp < settings.webhookRetryKeepsTimestampRate,
    },
  };
}
