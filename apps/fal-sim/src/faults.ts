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
};

const MS_FIELDS = new Set<keyof FaultSettings>(['latencyMs', 'jitterMs', 'webhookDelayMs']);

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
    const valid = MS_FIELDS.has(field)
      ? Number.isInteger(value) && (value as number) >= 0
      : typeof value === 'number' && value >= 0 && value <= 1;
    if (!valid) {
      problems.push(
        `${key}: expected ${MS_FIELDS.has(field) ? 'an integer >= 0 (ms)' : 'a rate between 0 and 1'}`,
      );
      continue;
    }
    settings[field] = value as number;
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
  /** Time from submit to completion (IN_QUEUE for the first third, then IN_PROGRESS). */
  latencyMs: number;
  outcome: 'ok' | 'fail-500' | 'fail-422' | 'stuck';
  nsfw: boolean;
  webhook: { lost: boolean; dup: boolean; outOfOrder: boolean; delayMs: number };
}

export function decideRun(settings: FaultSettings, markers: Markers, rng: Rng): RunPlan {
  const [dJitter, dFail, dStuck, dNsfw, dDup, dLost, dDelay, dOrder] = Array.from(
    { length: 8 },
    rng,
  );
  let outcome: RunPlan['outcome'] = 'ok';
  if (markers.stuck || dStuck < settings.stuckRate) {
    outcome = 'stuck';
  } else if (markers.fail) {
    outcome = markers.fail === '422' ? 'fail-422' : 'fail-500';
  } else if (dFail < settings.failRate) {
    outcome = 'fail-500';
  }
  const delayed = dDelay < settings.webhookDelayRate ? settings.webhookDelayMs : 0;
  return {
    latencyMs: markers.slowMs ?? settings.latencyMs + Math.floor(dJitter * settings.jitterMs),
    outcome,
    nsfw: markers.nsfw || dNsfw < settings.nsfwRate,
    webhook: {
      lost: markers.lost || dLost < settings.webhookLostRate,
      dup: markers.dup || dDup < settings.webhookDupRate,
      outOfOrder: markers.outOfOrder || dOrder < settings.webhookOutOfOrderRate,
      delayMs: markers.lateMs ?? delayed,
    },
  };
}
